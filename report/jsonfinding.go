package report

import (
	"strconv"
	"unicode/utf8"

	"github.com/kubethreat/kubethreat/check"
)

// appendFinding appends the JSON form of a finding, as an element of the
// findings array, exactly as encoding/json writes findingRecord(f) with the
// report's indentation and HTML escaping off. It reports false, and
// appends nothing, for a finding with a suppression or service guidance,
// which the caller encodes with encoding/json. A large report is mostly
// findings, and this avoids reflection and a second indenting pass.
func appendFinding(buf []byte, f *check.Finding) ([]byte, bool) {
	if f.Suppression != nil || len(f.Guidance) > 0 {
		return buf, false
	}
	const field = "\n      " // a member of the finding, three levels deep
	const inner = "\n        "
	buf = append(buf, '{')
	buf = append(buf, field+`"check": `...)
	buf = appendJSONString(buf, f.Check)
	buf = append(buf, ","+field+`"status": `...)
	buf = appendJSONString(buf, string(f.Status))
	buf = append(buf, ","+field+`"severity": `...)
	buf = appendJSONString(buf, f.Severity.String())
	buf = append(buf, ","+field+`"techniques": `...)
	buf = appendStringArray(buf, f.Techniques, inner, field)
	buf = append(buf, ","+field+`"mitigations": `...)
	buf = appendStringArray(buf, f.Mitigations, inner, field)

	buf = append(buf, ","+field+`"object": {`...)
	sep := inner
	if f.Object.APIVersion != "" {
		buf = appendMember(buf, sep, "apiVersion", f.Object.APIVersion)
		sep = "," + inner
	}
	buf = appendMember(buf, sep, "kind", f.Object.Kind)
	if f.Object.Namespace != "" {
		buf = appendMember(buf, ","+inner, "namespace", f.Object.Namespace)
	}
	buf = appendMember(buf, ","+inner, "name", f.Object.Name)
	buf = append(buf, field+"}"...)

	if f.FieldPath != "" {
		buf = appendMember(buf, ","+field, "fieldPath", f.FieldPath)
	}
	buf = append(buf, ","+field+`"location": {`...)
	loc := f.Location
	if loc == (check.Finding{}).Location {
		buf = append(buf, '}')
	} else {
		sep := inner
		if loc.File != "" {
			buf = appendMember(buf, sep, "file", loc.File)
			sep = "," + inner
		}
		if loc.Line != 0 {
			buf = append(buf, sep+`"line": `...)
			buf = strconv.AppendInt(buf, int64(loc.Line), 10)
			sep = "," + inner
		}
		if loc.Column != 0 {
			buf = append(buf, sep+`"column": `...)
			buf = strconv.AppendInt(buf, int64(loc.Column), 10)
			sep = "," + inner
		}
		if loc.Cluster != "" {
			buf = appendMember(buf, sep, "cluster", loc.Cluster)
		}
		buf = append(buf, field+"}"...)
	}
	if f.Template != "" {
		buf = appendMember(buf, ","+field, "template", f.Template)
	}
	buf = appendMember(buf, ","+field, "message", f.Message)
	for _, m := range [...]struct{ name, value string }{
		{"remediation", f.Remediation},
		{"evidence", f.Evidence},
		{"reason", f.Reason},
	} {
		if m.value != "" {
			buf = appendMember(buf, ","+field, m.name, m.value)
		}
	}
	buf = append(buf, "\n    }"...)
	return buf, true
}

// appendMember appends sep, then `"name": ` and the value as a JSON
// string.
func appendMember(buf []byte, sep, name, value string) []byte {
	buf = append(buf, sep...)
	buf = append(buf, '"')
	buf = append(buf, name...)
	buf = append(buf, `": `...)
	return appendJSONString(buf, value)
}

// appendStringArray appends a JSON array of strings with each element on
// a line that starts with inner, and the closing bracket after closing:
// "[]" when the array is empty, as for an empty slice.
func appendStringArray(buf []byte, items []string, inner, closing string) []byte {
	if len(items) == 0 {
		return append(buf, "[]"...)
	}
	buf = append(buf, '[')
	for i, s := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, inner...)
		buf = appendJSONString(buf, s)
	}
	buf = append(buf, closing...)
	return append(buf, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// with HTML escaping off: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, and U+2028 and U+2029
// escaped, because JavaScript treats them as line ends.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
