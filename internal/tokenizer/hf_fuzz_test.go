package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzEncodeDecode checks that byte-level BPE is lossless, Decode(Encode(s))
// == s for valid UTF-8 (after NFC for Qwen, whose normalizer applies it), that
// Count agrees with Encode, and that nothing panics on any input.
func FuzzEncodeDecode(f *testing.F) {
	for _, s := range []string{"", "Hello world", "  \t\n\r\n x", "I'M 12345", "日本語 😀👨‍👩‍👧", "<|endoftext|>a<|im_start|>",
		"e\u0301", "\xff\xfe", "a\u0085\ufeff's", strings.Repeat("ab", 300)} {
		f.Add(s)
	}
	gpt2 := loadModel(f, "gpt2")
	qwen := loadModel(f, "qwen3")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range []*HF{gpt2, qwen} {
			ids := tk.Encode(s, false)
			if n := tk.Count(s); n != len(ids) {
				t.Fatalf("%s: Count = %d, len(Encode) = %d", tk.Name(), n, len(ids))
			}
			got := tk.Decode(ids, false)
			if !utf8.ValidString(s) {
				continue // invalid input still must not panic
			}
			want := s
			if tk == qwen {
				want = norm.NFC.String(s)
			}
			if got != want {
				t.Fatalf("%s: Decode(Encode(%q)) = %q", tk.Name(), s, got)
			}
		}
	})
}

// FuzzParse feeds arbitrary bytes to Parse: it must return an error or a
// tokenizer that encodes without panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte(strings.Replace(tinyJSON, "MERGES", `["a b", "ab c"]`, 1)))
	f.Add([]byte(strings.Replace(tinyJSON, "MERGES", `[["a", "b"]]`, 1)))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"}}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "<0x41>": 1}, "merges": [], "byte_fallback": true}, "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "_"}, {"type": "Replace", "pattern": {"String": " "}, "content": "_"}]}, "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "\u2581": 1}, "merges": []}, "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": true}, "decoder": {"type": "Metaspace", "prepend_scheme": "always"}, "added_tokens": [{"id": 2, "content": "<s>", "lstrip": true, "rstrip": true, "special": true}]}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a+"}, "behavior": "MergedWithNext", "invert": true}, "post_processor": {"type": "BertProcessing", "cls": ["a", 0], "sep": ["a", 0]}}`))
	f.Add([]byte(`{"model": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		for _, s := range []string{"", "ab c", "a  <mask>b", "AAA é 日本 \xff"} {
			ids := tk.Encode(s, true)
			_ = tk.Decode(ids, false)
			_ = tk.Count(s)
		}
	})
}
