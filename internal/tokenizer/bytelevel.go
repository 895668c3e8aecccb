package tokenizer

import "unicode/utf8"

// byteLevel is GPT-2's reversible map from bytes to printable runes: printable
// Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards, so a
// byte-level vocabulary can spell any byte string with visible characters.
type byteLevel struct {
	toRune   [256]rune
	fromRune map[rune]byte
}

func newByteLevel() *byteLevel {
	bl := &byteLevel{fromRune: make(map[rune]byte, 256)}
	n := 0
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		r := rune(b)
		if !printable {
			r = rune(256 + n)
			n++
		}
		bl.toRune[b] = r
		bl.fromRune[r] = byte(b)
	}
	return bl
}

// encode maps raw bytes to their byte-level spelling.
func (bl *byteLevel) encode(s string) string {
	buf := make([]byte, 0, len(s)*2)
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, bl.toRune[s[i]])
	}
	return string(buf)
}

// decode maps a token's byte-level spelling back to bytes. As in Hugging
// Face's ByteLevel decoder, a token holding any rune outside the alphabet (an
// added token such as "<|im_start|>" is spelled in plain text) is taken as is.
func (bl *byteLevel) decode(tok string) []byte {
	out := make([]byte, 0, len(tok))
	for _, r := range tok {
		b, ok := bl.fromRune[r]
		if !ok {
			return []byte(tok)
		}
		out = append(out, b)
	}
	return out
}

// appendLossy appends b to dst as valid UTF-8, replacing each maximal invalid
// subpart with U+FFFD, the rule of Rust's String::from_utf8_lossy and of the
// WHATWG TextDecoder, so Decode agrees with both reference implementations on
// token sequences that split a character.
func appendLossy(dst []byte, b []byte) []byte {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			dst = append(dst, b[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			dst = append(dst, b[i:i+n]...)
			i += n
			continue
		}
		dst = append(dst, "\uFFFD"...)
		i += maximalSubpart(b[i:])
	}
	return dst
}

// maximalSubpart returns how many bytes at the start of b (which does not
// start with a valid character) form the longest prefix of some valid
// sequence, at least 1.
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k == 0 {
			if x < lo || x > hi {
				break
			}
		} else if x < 0x80 || x > 0xBF {
			break
		}
		n++
	}
	return n
}
