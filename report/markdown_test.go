package report

import (
	"strings"
	"testing"
)

func TestMarkdownCode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"spec.containers[0]", "`spec.containers[0]`"},
		{"a`b", "``a`b``"},
		{"`x``", "``` `x`` ```"},
		{"a|b", "`a\\|b`"},
		{"two\nlines", "`two lines`"},
	}
	for _, tc := range cases {
		if got := mdCode(tc.in); got != tc.want {
			t.Errorf("mdCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a|b", `a\|b`},
		{"`code`", "\\`code\\`"},
		{"<img src=x>", `\<img src=x\>`},
		{"**bold** _it_ [link](u) ~s~ & #h", `\*\*bold\*\* \_it\_ \[link\](u) \~s\~ \& \#h`},
		{`back\slash`, `back\\slash`},
		{"line\nbreak\r\nhere", "line break here"},
	}
	for _, tc := range cases {
		if got := mdText(tc.in); got != tc.want {
			t.Errorf("mdText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// tableCells splits a Markdown table row on the pipes that are not
// escaped with a backslash.
func tableCells(row string) []string {
	var cells []string
	var cur strings.Builder
	escaped := false
	for _, r := range strings.TrimSpace(row) {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case r == '|':
			cells = append(cells, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	// A row starts and ends with a pipe, so the first and last parts are
	// empty.
	return cells[1:]
}

func TestMarkdownTablesKeepColumns(t *testing.T) {
	s := testScan(t)
	f := &s.Result.Findings[0]
	f.Message = "a | b | c `d|e` \\| f"
	f.FieldPath = "x|y`z"
	f.Evidence = "``|``"

	var header int
	for i, line := range strings.Split(string(render(t, "markdown", s)), "\n") {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		cells := tableCells(line)
		if header == 0 {
			header = len(cells)
			continue
		}
		if len(cells) != header {
			t.Errorf("line %d has %d cells, want %d like its header: %s", i+1, len(cells), header, line)
		}
	}
}
