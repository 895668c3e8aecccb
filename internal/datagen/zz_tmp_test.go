package datagen

import "testing"

func FuzzTmpParse(f *testing.F) {
	f.Add([]byte("Shall I compare thee to a summer's day?\nThou art more lovely"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = wordStarts(string(data))
	})
}
