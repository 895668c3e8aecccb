package tokenizer

import (
	"strings"
	"testing"
)

// prose is English text of about n bytes, the shape of a typical prompt.
func prose(n int) string {
	const para = "The committee met on Tuesday to review the proposal for the new library. " +
		"After a long discussion about costs, schedules and the needs of local schools, " +
		"members agreed that the design should include quiet study rooms, a children's corner " +
		"and space for community events. Construction is expected to begin in 2026, " +
		"and the building should open eighteen months later.\n\n"
	s := strings.Repeat(para, n/len(para)+1)
	return s[:n]
}

func benchEncode(b *testing.B, model string, n int) {
	tk := loadModel(b, model)
	text := prose(n)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = tk.Encode(text, false)
	}
}

func BenchmarkEncodeGPT2_1KB(b *testing.B)   { benchEncode(b, "gpt2", 1<<10) }
func BenchmarkEncodeGPT2_32KB(b *testing.B)  { benchEncode(b, "gpt2", 32<<10) }
func BenchmarkEncodeQwen3_1KB(b *testing.B)  { benchEncode(b, "qwen3", 1<<10) }
func BenchmarkEncodeQwen3_32KB(b *testing.B) { benchEncode(b, "qwen3", 32<<10) }

// BenchmarkCountQwen3_32KB is what a data generator calls per prompt.
func BenchmarkCountQwen3_32KB(b *testing.B) {
	tk := loadModel(b, "qwen3")
	text := prose(32 << 10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = tk.Count(text)
	}
}

// BenchmarkEncodeQwen3Varied encodes the golden corpus (Unicode, code, emoji,
// random strings), where the word cache helps less than on prose.
func BenchmarkEncodeQwen3Varied(b *testing.B) {
	tk := loadModel(b, "qwen3")
	var texts []string
	n := 0
	for _, c := range readGoldenB(b, "qwen3") {
		texts = append(texts, c.Text)
		n += len(c.Text)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range texts {
			_ = tk.Encode(s, false)
		}
	}
}

// BenchmarkLoadQwen3 is the one-off cost of reading an 11 MB tokenizer.json
// (gzip-compressed in testdata).
func BenchmarkLoadQwen3(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadFile("testdata/qwen3.tokenizer.json.gz"); err != nil {
			b.Fatal(err)
		}
	}
}

// Llama-3 and gpt-oss are read from scripts/tokenizer-golden/node_modules
// (skipped when npm ci has not been run there).
func BenchmarkEncodeLlama3_32KB(b *testing.B) { benchEncode(b, "llama3", 32<<10) }
func BenchmarkEncodeGptOss_32KB(b *testing.B) { benchEncode(b, "gptoss", 32<<10) }
