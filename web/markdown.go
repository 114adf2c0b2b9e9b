package web

import (
	"html/template"
	"net/url"
	"strings"
)

// Markdown renders the strict Markdown subset used by the knowledge-base
// prose to HTML. The subset is:
//
//   - paragraphs, separated by blank lines; line breaks inside a paragraph
//     become spaces;
//   - bullet lists with "- " or "* " items and numbered lists with "1. "
//     items, nested by indenting an item two or more spaces deeper than its
//     parent; an indented line that is not an item continues the item above;
//   - fenced code blocks between lines that start with three backticks, with
//     an optional language name of letters, digits and hyphens;
//   - inline **bold**, `code` and [text](url) links, where url is either
//     relative (no scheme and no host) or absolute https.
//
// Headings are not part of the subset, because the loader splits the
// content into sections at "## " lines: a line starting with "#" is text.
// Every character that comes from the input is HTML-escaped, and a link
// with any other URL is rendered as its escaped text, so the result is safe
// to mark as template.HTML.
func Markdown(src string) template.HTML {
	var b strings.Builder
	blocks := parseBlocks(strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n"))
	for _, blk := range blocks {
		blk.render(&b)
	}
	return template.HTML(b.String())
}

// MarkdownInline renders a single line of the subset's inline syntax, for
// short texts such as link notes, without a surrounding paragraph.
func MarkdownInline(src string) template.HTML {
	var b strings.Builder
	renderInline(&b, strings.Join(strings.Fields(src), " "))
	return template.HTML(b.String())
}

type block interface {
	render(b *strings.Builder)
}

type paragraph struct{ text string }

type codeBlock struct {
	lang  string
	lines []string
}

type list struct {
	ordered bool
	items   []*listItem
}

type listItem struct {
	text     string
	children []*list
}

func (p paragraph) render(b *strings.Builder) {
	b.WriteString("<p>")
	renderInline(b, p.text)
	b.WriteString("</p>\n")
}

func (c codeBlock) render(b *strings.Builder) {
	b.WriteString("<pre><code")
	if c.lang != "" {
		b.WriteString(` class="language-`)
		b.WriteString(c.lang) // validated by safeLanguage
		b.WriteString(`"`)
	}
	b.WriteString(">")
	for i, line := range c.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(escape(line))
	}
	b.WriteString("</code></pre>\n")
}

func (l *list) render(b *strings.Builder) {
	tag := "ul"
	if l.ordered {
		tag = "ol"
	}
	b.WriteString("<" + tag + ">\n")
	for _, it := range l.items {
		b.WriteString("<li>")
		renderInline(b, it.text)
		for _, child := range it.children {
			b.WriteByte('\n')
			child.render(b)
		}
		b.WriteString("</li>\n")
	}
	b.WriteString("</" + tag + ">\n")
}

// parseBlocks groups lines into paragraphs, lists and code blocks.
func parseBlocks(lines []string) []block {
	var blocks []block
	for i := 0; i < len(lines); {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			i++
		case strings.HasPrefix(trimmed, "```"):
			var c codeBlock
			c, i = parseFence(lines, i)
			blocks = append(blocks, c)
		case isItem(trimmed):
			var l *list
			l, i = parseList(lines, i, indentOf(line))
			blocks = append(blocks, l)
		default:
			var p paragraph
			p, i = parseParagraph(lines, i)
			blocks = append(blocks, p)
		}
	}
	return blocks
}

func parseFence(lines []string, start int) (codeBlock, int) {
	c := codeBlock{lang: safeLanguage(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[start]), "```")))}
	indent := indentOf(lines[start])
	i := start + 1
	for ; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "```") {
			return c, i + 1
		}
		c.lines = append(c.lines, trimIndent(lines[i], indent))
	}
	// An unterminated fence runs to the end of the text.
	return c, i
}

func parseParagraph(lines []string, start int) (paragraph, int) {
	var parts []string
	i := start
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || (i > start && (strings.HasPrefix(t, "```") || isItem(t))) {
			break
		}
		parts = append(parts, t)
	}
	return paragraph{text: strings.Join(parts, " ")}, i
}

// parseList reads list items whose marker sits at the given indentation,
// with deeper items nested under the item above them. It stops at a blank
// line followed by a non-item, at a shallower line or at a fence.
func parseList(lines []string, start, indent int) (*list, int) {
	l := &list{ordered: isOrderedItem(strings.TrimSpace(lines[start]))}
	i := start
	for i < len(lines) {
		line := lines[i]
		t := strings.TrimSpace(line)
		ind := indentOf(line)
		switch {
		case t == "":
			if i+1 < len(lines) && isItem(strings.TrimSpace(lines[i+1])) && indentOf(lines[i+1]) >= indent {
				i++
				continue
			}
			return l, i
		case strings.HasPrefix(t, "```"):
			return l, i
		case isItem(t) && ind == indent:
			l.items = append(l.items, &listItem{text: itemText(t)})
			i++
		case isItem(t) && ind > indent && len(l.items) > 0:
			var child *list
			child, i = parseList(lines, i, ind)
			last := l.items[len(l.items)-1]
			last.children = append(last.children, child)
		case ind > indent && len(l.items) > 0:
			last := l.items[len(l.items)-1]
			if len(last.children) > 0 {
				// Text after a nested list cannot join the item's first
				// line without reordering it, so it ends the list.
				return l, i
			}
			last.text += " " + t
			i++
		default:
			return l, i
		}
	}
	return l, i
}

func isItem(t string) bool {
	return strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || isOrderedItem(t)
}

// isOrderedItem reports whether t starts with one to three digits, a dot
// and a space.
func isOrderedItem(t string) bool {
	n := 0
	for n < len(t) && n < 4 && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	return n > 0 && n < 4 && strings.HasPrefix(t[n:], ". ")
}

func itemText(t string) string {
	if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
		return strings.TrimSpace(t[2:])
	}
	_, rest, _ := strings.Cut(t, ". ")
	return strings.TrimSpace(rest)
}

// indentOf returns the number of leading spaces, counting a tab as four.
func indentOf(line string) int {
	n := 0
	for _, r := range line {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

func trimIndent(line string, indent int) string {
	for indent > 0 && strings.HasPrefix(line, " ") {
		line = line[1:]
		indent--
	}
	return line
}

func safeLanguage(lang string) string {
	if len(lang) > 20 {
		return ""
	}
	for _, r := range lang {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return ""
		}
	}
	return strings.ToLower(lang)
}

// renderInline writes text with its inline markup: code spans first, so
// that markers inside them stay literal, then links and bold.
func renderInline(b *strings.Builder, text string) {
	for text != "" {
		i := strings.IndexAny(text, "`*[")
		if i < 0 {
			b.WriteString(escape(text))
			return
		}
		b.WriteString(escape(text[:i]))
		text = text[i:]
		var n int
		switch text[0] {
		case '`':
			n = renderCode(b, text)
		case '*':
			n = renderBold(b, text)
		case '[':
			n = renderLink(b, text)
		}
		if n == 0 {
			b.WriteString(escape(text[:1]))
			n = 1
		}
		text = text[n:]
	}
}

// renderCode writes a code span that starts at text[0] and returns the
// number of bytes it used, or 0 if the backtick opens no span.
func renderCode(b *strings.Builder, text string) int {
	end := strings.IndexByte(text[1:], '`')
	if end <= 0 {
		return 0
	}
	b.WriteString("<code>")
	b.WriteString(escape(text[1 : end+1]))
	b.WriteString("</code>")
	return end + 2
}

func renderBold(b *strings.Builder, text string) int {
	if !strings.HasPrefix(text, "**") {
		return 0
	}
	end := strings.Index(text[2:], "**")
	if end <= 0 {
		return 0
	}
	b.WriteString("<strong>")
	renderInline(b, text[2:end+2])
	b.WriteString("</strong>")
	return end + 4
}

// renderLink writes [label](url) as a link when url is safe, and as the
// escaped label otherwise. Labels do not nest links.
func renderLink(b *strings.Builder, text string) int {
	closeLabel := strings.Index(text, "](")
	if closeLabel < 0 || strings.ContainsAny(text[1:closeLabel], "[]") {
		return 0
	}
	closeURL := matchingParen(text[closeLabel+1:])
	if closeURL < 0 {
		return 0
	}
	closeURL++ // relative to closeLabel
	label := text[1:closeLabel]
	raw := text[closeLabel+2 : closeLabel+closeURL]
	if href, ok := safeURL(raw); ok {
		b.WriteString(`<a href="`)
		b.WriteString(escape(href))
		b.WriteString(`">`)
		renderLabel(b, label)
		b.WriteString("</a>")
	} else {
		renderLabel(b, label)
	}
	return closeLabel + closeURL + 1
}

// renderLabel writes a link label with code and bold but without links.
func renderLabel(b *strings.Builder, label string) {
	for label != "" {
		i := strings.IndexAny(label, "`*")
		if i < 0 {
			b.WriteString(escape(label))
			return
		}
		b.WriteString(escape(label[:i]))
		label = label[i:]
		n := 0
		if label[0] == '`' {
			n = renderCode(b, label)
		} else if strings.HasPrefix(label, "**") {
			if end := strings.Index(label[2:], "**"); end > 0 {
				b.WriteString("<strong>")
				b.WriteString(escape(label[2 : end+2]))
				b.WriteString("</strong>")
				n = end + 4
			}
		}
		if n == 0 {
			b.WriteString(escape(label[:1]))
			n = 1
		}
		label = label[n:]
	}
}

// matchingParen returns the index of the parenthesis that closes the one
// at s[0], counting nested pairs, or -1 if there is none.
func matchingParen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// safeURL accepts a relative reference (no scheme, no host, so a link can
// never leave the site) or an absolute https URL with a host. It rejects
// anything with spaces or control characters.
func safeURL(raw string) (string, bool) {
	if raw == "" || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	switch {
	case u.Scheme == "" && u.Host == "" && u.User == nil && !strings.HasPrefix(raw, "//"):
		return raw, true
	case u.Scheme == "https" && u.Host != "" && u.User == nil:
		return raw, true
	}
	return "", false
}

var htmlEscaper = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&#34;",
	"'", "&#39;",
)

func escape(s string) string { return htmlEscaper.Replace(s) }
