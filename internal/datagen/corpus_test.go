package datagen

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCorpus feeds arbitrary bytes to the corpus parser (what
// data.corpus_file_path is read through). It must never panic, and whenever a
// corpus loads, every prompt built from it has exactly the requested length.
func FuzzCorpus(f *testing.F) {
	f.Add([]byte("Shall I compare thee to a summer's day?\nThou art more lovely"), uint32(3), uint16(40))
	f.Add([]byte("one"), uint32(0), uint16(1000))              // a one-word corpus wraps on every word
	f.Add([]byte(""), uint32(0), uint16(5))                    // empty: rejected
	f.Add([]byte(" \t\r\n\u00a0\u2003"), uint32(0), uint16(5)) // only Unicode spaces: rejected
	f.Add([]byte("\ufeffbom first"), uint32(1), uint16(13))
	f.Add([]byte("caf\xe9"), uint32(0), uint16(3))                 // invalid UTF-8: rejected
	f.Add([]byte("a\u0085b\u2028c d\x00e"), uint32(7), uint16(20)) // NEL and LINE SEPARATOR are spaces; NUL is not
	f.Add([]byte("word  \n\n  "), uint32(9), uint16(12))           // trailing whitespace after the last word
	f.Fuzz(func(t *testing.T, data []byte, off uint32, n uint16) {
		c, err := parseCorpus("fuzz", data)
		if err != nil {
			if c != nil {
				t.Fatal("corpus returned with an error")
			}
			return
		}
		if !utf8.ValidString(c.text) || c.Size() == 0 {
			t.Fatalf("loaded corpus: valid=%v size=%d", utf8.ValidString(c.text), c.Size())
		}
		if got := words.Count(c.text); got != c.Size() {
			t.Fatalf("corpus has %d words, index has %d", got, c.Size())
		}
		length := int(n % 1024) // small, so each exec (and minimisation) stays cheap
		text := c.Text(int(off%(1<<20)), length)
		if got := words.Count(text); got != length {
			t.Fatalf("Text(%d, %d) has %d words: %q", off, length, got, text)
		}
		if length > 11 && !strings.HasPrefix(text, SyntheticPrefix) {
			t.Fatalf("Text(%d, %d) lacks the prefix", off, length)
		}
	})
}
