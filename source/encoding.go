package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Hint is the hint on UTF-16 text that cannot be decoded.
const utf16Hint = "save the file again as UTF-8"

// Byte order marks of UTF-16 text.
var (
	bomUTF16LE = []byte{0xff, 0xfe}
	bomUTF16BE = []byte{0xfe, 0xff}
)

// decodeUTF16 converts text that starts with a UTF-16 byte order mark to
// UTF-8 without the mark, and returns any other data unchanged. kubectl
// reads such files, and editors on Windows write them. Line breaks map one
// to one, so lines and columns stay those of the original file. An
// unpaired surrogate becomes U+FFFD.
//
// NOTE: a UTF-32 little-endian mark starts with the same two bytes. Such a
// file decodes to text with NUL characters, so it is skipped as binary.
func decodeUTF16(data []byte) ([]byte, error) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, bomUTF16LE):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, bomUTF16BE):
		order = binary.BigEndian
	default:
		return data, nil
	}
	data = data[2:]
	if len(data)%2 != 0 {
		return nil, errors.New("invalid UTF-16 text: it has a byte order mark but an odd number of bytes")
	}
	out := make([]byte, 0, len(data)/2)
	for i := 0; i < len(data); i += 2 {
		r := rune(order.Uint16(data[i:]))
		if utf16.IsSurrogate(r) && i+3 < len(data) {
			if pair := utf16.DecodeRune(r, rune(order.Uint16(data[i+2:]))); pair != utf8.RuneError {
				out = utf8.AppendRune(out, pair)
				i += 2
				continue
			}
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}
