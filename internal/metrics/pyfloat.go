package metrics

import (
	"math"
	"strconv"
)

// AppendFloat appends f as Python's json.dumps writes a float (repr): the
// shortest digits that round-trip, fixed notation with at least one decimal
// ("0.0", "768000.0") when 1e-4 <= |f| < 1e16, otherwise exponent notation
// with a signed exponent of at least two digits ("2.0876e-05", "1e+16").
// Go's encoding/json would write 2.0876e-05 as 0.000020876, which is the same
// number but not the same text as the reference's files. NaN and infinities,
// which Python writes as the non-JSON NaN/Infinity, are written as null.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	// Shortest round-trip digits in exponent form: "-d.ddde±XX".
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	// Split mantissa digits and exponent.
	var digits []byte
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:])) // strconv wrote it: always valid
	if neg {
		dst = append(dst, '-')
	}
	// Python's repr switches to exponent form when the decimal point position
	// (exp+1) is <= -4 or > 16.
	if exp < -4 || exp >= 16 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	point := exp + 1 // digits before the decimal point
	switch {
	case point <= 0:
		dst = append(dst, "0."...)
		for j := 0; j < -point; j++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	case point >= len(digits):
		dst = append(dst, digits...)
		for j := len(digits); j < point; j++ {
			dst = append(dst, '0')
		}
		dst = append(dst, ".0"...)
	default:
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		dst = append(dst, digits[point:]...)
	}
	return dst
}

// FormatFloat is AppendFloat returning a string.
func FormatFloat(f float64) string { return string(AppendFloat(nil, f)) }
