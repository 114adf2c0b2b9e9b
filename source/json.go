package source

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// jsonError is a JSON syntax error at a line and column, both counted
// from 1.
type jsonError struct {
	line, column int
	msg          string
}

func (e *jsonError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.line, e.column, e.msg)
}

// parseJSON parses one JSON value or a sequence of them separated by white
// space, as in JSON Lines, into yaml.v3 nodes with the same kinds, tags and
// positions that yaml.v3 gives JSON input. It is stricter than YAML
// (RFC 8259) and allows tabs anywhere white space is allowed. On a syntax
// error it returns the values before it.
func parseJSON(data []byte) ([]*yaml.Node, *jsonError) {
	p := jsonParser{data: data, line: 1}
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		p.pos, p.colPos = 3, 3
	}
	var values []*yaml.Node
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return values, nil
		}
		v, err := p.value(1)
		if err != nil {
			return values, err
		}
		values = append(values, v)
		if p.pos < len(p.data) && !isJSONSpace(p.data[p.pos]) {
			return values, p.errorf("invalid character %s after top-level value", quoteByte(p.data[p.pos]))
		}
	}
}

type jsonParser struct {
	data      []byte
	pos       int
	line      int // line of pos, from 1
	colPos    int // offset up to which col has been counted
	col       int // characters between the line start and colPos
	lineStart int
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '\n':
			p.pos++
			p.line++
			p.lineStart, p.colPos, p.col = p.pos, p.pos, 0
		case ' ', '\t', '\r':
			p.pos++
		default:
			return
		}
	}
}

// column returns the column of pos, counted in characters from 1 as
// yaml.v3 does. It counts forward from the last call, so a long minified
// line costs linear time in total.
func (p *jsonParser) column() int {
	if p.colPos < p.lineStart || p.colPos > p.pos {
		p.colPos, p.col = p.lineStart, 0
	}
	p.col += utf8.RuneCount(p.data[p.colPos:p.pos])
	p.colPos = p.pos
	return p.col + 1
}

func (p *jsonParser) errorf(format string, args ...any) *jsonError {
	return &jsonError{line: p.line, column: p.column(), msg: fmt.Sprintf(format, args...)}
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *jsonParser) value(depth int) (*yaml.Node, *jsonError) {
	if depth > MaxDepth {
		return nil, p.errorf("the document is nested more than %d levels deep", MaxDepth)
	}
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	line, col := p.line, p.column()
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth, line, col)
	case c == '[':
		return p.array(depth, line, col)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: s, Line: line, Column: col}, nil
	case c == 't':
		return p.literal("true", "!!bool", line, col)
	case c == 'f':
		return p.literal("false", "!!bool", line, col)
	case c == 'n':
		return p.literal("null", "!!null", line, col)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(line, col)
	default:
		return nil, p.errorf("invalid character %s looking for the beginning of a value", quoteByte(c))
	}
}

func (p *jsonParser) literal(word, tag string, line, col int) (*yaml.Node, *jsonError) {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return nil, p.errorf("invalid literal, expected %s", word)
	}
	p.pos += len(word)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: word, Line: line, Column: col}, nil
}

func (p *jsonParser) object(depth, line, col int) (*yaml.Node, *jsonError) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Line: line, Column: col}
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	for {
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		if p.data[p.pos] != '"' {
			return nil, p.errorf("invalid character %s looking for the beginning of an object key", quoteByte(p.data[p.pos]))
		}
		key, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after object key %q", key.Value)
		}
		p.pos++
		p.skipSpace()
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, key, val)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case '}':
			p.pos++
			return n, nil
		default:
			return nil, p.errorf("invalid character %s after object value, expected ',' or '}'", quoteByte(p.data[p.pos]))
		}
	}
}

func (p *jsonParser) array(depth, line, col int) (*yaml.Node, *jsonError) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line, Column: col}
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case ']':
			p.pos++
			return n, nil
		default:
			return nil, p.errorf("invalid character %s after array element, expected ',' or ']'", quoteByte(p.data[p.pos]))
		}
	}
}

// str reads a string token and returns its decoded text. Invalid UTF-8 is
// replaced by U+FFFD, as encoding/json does.
func (p *jsonParser) str() (string, *jsonError) {
	p.pos++ // opening quote
	start := p.pos
	simple := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			raw := p.data[start:p.pos]
			p.pos++
			if simple && utf8.Valid(raw) {
				return string(raw), nil
			}
			return p.unescape(raw)
		case c == '\\':
			simple = false
			p.pos += 2
		case c < 0x20:
			return "", p.errorf("invalid control character %s in a string", quoteByte(c))
		default:
			p.pos++
		}
	}
	p.pos = len(p.data)
	return "", p.errorf("unexpected end of input in a string")
}

func (p *jsonParser) unescape(raw []byte) (string, *jsonError) {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			r, size := utf8.DecodeRune(raw[i:])
			b.WriteRune(r) // utf8.RuneError for invalid bytes
			i += size
			continue
		}
		if i+1 >= len(raw) {
			return "", p.errorf("invalid escape at the end of a string")
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(raw[i+2:])
			if !ok {
				return "", p.errorf("invalid \\u escape in a string")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(raw[min(i+2, len(raw)):]); ok && i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b.WriteRune(dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default:
			return "", p.errorf("invalid escape character %s in a string", quoteByte(e))
		}
		i += 2
	}
	return b.String(), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a number with the RFC 8259 grammar: an optional minus, an
// integer part without leading zeros, an optional fraction and exponent.
func (p *jsonParser) number(line, col int) (*yaml.Node, *jsonError) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.errorf("invalid number: expected a digit")
	}
	tag := "!!int"
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		tag = "!!float"
		if digits() == 0 {
			return nil, p.errorf("invalid number: expected a digit after the decimal point")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		tag = "!!float"
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number: expected a digit in the exponent")
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(p.data[start:p.pos]), Line: line, Column: col}, nil
}
