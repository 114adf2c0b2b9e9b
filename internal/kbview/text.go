// Package kbview renders the knowledge base for the terminal and as
// Markdown, JSON and YAML: the matrix table, single entries and search
// results. The CLI and the documentation generator share it.
package kbview

import (
	"strings"
	"unicode/utf8"
)

// wrap breaks text into lines of at most width runes, on spaces. Words
// longer than width stay whole on their own line.
func wrap(text string, width int) []string {
	if width < 1 {
		width = 1
	}
	var lines []string
	var cur strings.Builder
	curLen := 0
	for _, word := range strings.Fields(text) {
		wl := utf8.RuneCountInString(word)
		if curLen > 0 && curLen+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			curLen = 0
		}
		if curLen > 0 {
			cur.WriteByte(' ')
			curLen++
		}
		cur.WriteString(word)
		curLen += wl
	}
	if curLen > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// wrapIndent wraps text to width and indents every line.
func wrapIndent(text string, width int, first, rest string) string {
	lines := wrap(text, width-utf8.RuneCountInString(rest))
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString(first)
		} else {
			b.WriteString(rest)
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Markdown renders the Markdown subset used in the content for a terminal:
// paragraphs are re-flowed to width, bullets get a hanging indent, and
// fenced code blocks are kept as they are, indented. Inline markers
// (backticks and bold) are removed.
func Markdown(md string, width int, indent string) string {
	var b strings.Builder
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		b.WriteString(wrapIndent(inline(strings.Join(para, " ")), width, indent, indent))
		para = nil
	}
	inFence := false
	bullet := ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			flush()
			inFence = !inFence
			continue
		}
		if inFence {
			b.WriteString(indent + "    " + line + "\n")
			continue
		}
		switch {
		case trimmed == "":
			flush()
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n\n") {
				b.WriteByte('\n')
			}
		case isBullet(trimmed):
			flush()
			lead := strings.Repeat(" ", len(line)-len(strings.TrimLeft(line, " ")))
			bullet = lead + "  "
			para = []string{trimmed[2:]}
			b.WriteString(wrapIndent(inline(trimmed[2:]), width, indent+lead+"• ", indent+bullet))
			para = nil
		case bullet != "" && strings.HasPrefix(line, "  "):
			// Continuation of a bullet item written over several lines.
			b.WriteString(wrapIndent(inline(trimmed), width, indent+bullet, indent+bullet))
		default:
			bullet = ""
			para = append(para, trimmed)
		}
	}
	flush()
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func isBullet(s string) bool {
	return strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ")
}

// inline removes Markdown inline markers that mean nothing in a terminal.
func inline(s string) string {
	return strings.NewReplacer("**", "", "`", "").Replace(s)
}
