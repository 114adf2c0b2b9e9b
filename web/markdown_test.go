package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"paragraph", "one\ntwo", "<p>one two</p>\n"},
		{"two paragraphs", "one\n\ntwo", "<p>one</p>\n<p>two</p>\n"},
		{"escaping", `a < b & "c" 'd' > e`, "<p>a &lt; b &amp; &#34;c&#34; &#39;d&#39; &gt; e</p>\n"},
		{"script tag", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"bold", "a **b** c", "<p>a <strong>b</strong> c</p>\n"},
		{"unclosed bold", "a **b c", "<p>a **b c</p>\n"},
		{"single star", "a * b", "<p>a * b</p>\n"},
		{"code", "run `kubectl get pods`", "<p>run <code>kubectl get pods</code></p>\n"},
		{"code keeps markers", "`**x** <y>`", "<p><code>**x** &lt;y&gt;</code></p>\n"},
		{"unclosed code", "a ` b", "<p>a ` b</p>\n"},
		{"bold with code", "**use `x`**", "<p><strong>use <code>x</code></strong></p>\n"},
		{"https link", "[docs](https://example.com/a?b=1&c=2)", `<p><a href="https://example.com/a?b=1&amp;c=2">docs</a></p>` + "\n"},
		{"relative link", "[page](/techniques/MS-TA9001)", `<p><a href="/techniques/MS-TA9001">page</a></p>` + "\n"},
		{"fragment link", "[below](#detection)", `<p><a href="#detection">below</a></p>` + "\n"},
		{"link with parentheses", "[x](https://example.com/a_(b))", `<p><a href="https://example.com/a_(b)">x</a></p>` + "\n"},
		{"link label markup", "[**a** `b`](/x)", `<p><a href="/x"><strong>a</strong> <code>b</code></a></p>` + "\n"},
		{"http link is text", "[x](http://example.com)", "<p>x</p>\n"},
		{"javascript link is text", "[x](javascript:alert(1))", "<p>x</p>\n"},
		{"upper-case scheme is text", "[x](JaVaScRiPt:alert(1))", "<p>x</p>\n"},
		{"data link is text", "[x](data:text/html,<b>)", "<p>x</p>\n"},
		{"protocol-relative is text", "[x](//evil.example/)", "<p>x</p>\n"},
		{"link with space is text", "[x](/a b)", "<p>x</p>\n"},
		{"link with quote", `[x](/a"onclick="b)`, `<p><a href="/a&#34;onclick=&#34;b">x</a></p>` + "\n"},
		{"https with credentials is text", "[x](https://user@example.com/)", "<p>x</p>\n"},
		{"not a link", "[x] (y)", "<p>[x] (y)</p>\n"},
		{"bullet list", "- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"star list", "* a\n* b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"numbered list", "1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"},
		{"list continuation", "- a\n  more\n- b", "<ul>\n<li>a more</li>\n<li>b</li>\n</ul>\n"},
		{"nested list", "- a\n  - b\n  - c\n- d", "<ul>\n<li>a\n<ul>\n<li>b</li>\n<li>c</li>\n</ul>\n</li>\n<li>d</li>\n</ul>\n"},
		{"loose list", "- a\n\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"paragraph then list", "intro:\n- a", "<p>intro:</p>\n<ul>\n<li>a</li>\n</ul>\n"},
		{"list then paragraph", "- a\n\nafter", "<ul>\n<li>a</li>\n</ul>\n<p>after</p>\n"},
		{"fence", "```yaml\nkind: Pod\n  x: <y>\n```", "<pre><code class=\"language-yaml\">kind: Pod\n  x: &lt;y&gt;</code></pre>\n"},
		{"fence without language", "```\na\n```", "<pre><code>a</code></pre>\n"},
		{"fence with hostile language", "```\"><script>\na\n```", "<pre><code>a</code></pre>\n"},
		{"unterminated fence", "```\na", "<pre><code>a</code></pre>\n"},
		{"fence keeps blank lines", "```\na\n\nb\n```", "<pre><code>a\n\nb</code></pre>\n"},
		{"heading is text", "# Title", "<p># Title</p>\n"},
		{"crlf", "a\r\nb", "<p>a b</p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Markdown(tt.in)); got != tt.want {
				t.Errorf("Markdown(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMarkdownInline(t *testing.T) {
	got := string(MarkdownInline("Grant `pods/exec`\n only to **few** <b>"))
	want := "Grant <code>pods/exec</code> only to <strong>few</strong> &lt;b&gt;"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// allowedTag matches every tag the renderer may produce; each attribute
// value is checked separately.
var (
	tagPattern  = regexp.MustCompile(`<[^>]*>`)
	allowedTag  = regexp.MustCompile(`^<(/?(p|ul|ol|li|strong|code|pre|a)|code class="language-[a-z0-9-]+"|a href="[^"<>]*")>$`)
	hrefPattern = regexp.MustCompile(`href="([^"]*)"`)
)

// checkSafeHTML reports what the renderer must never produce for any input.
func checkSafeHTML(t *testing.T, in, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("output for %q contains <script: %q", in, out)
	}
	for _, tag := range tagPattern.FindAllString(out, -1) {
		if !allowedTag.MatchString(tag) {
			t.Fatalf("output for %q contains the tag %q", in, tag)
		}
	}
	if strings.Count(out, "<") != len(tagPattern.FindAllString(out, -1)) {
		t.Fatalf("output for %q contains a raw < outside a tag: %q", in, out)
	}
	for _, m := range hrefPattern.FindAllStringSubmatch(out, -1) {
		href := strings.ReplaceAll(m[1], "&amp;", "&")
		lower := strings.ToLower(href)
		// A scheme is the text before a colon that comes ahead of any "/",
		// "?" or "#", as RFC 3986 reads a reference, so "#a:b" is a
		// fragment on this page.
		beforePath := lower
		if i := strings.IndexAny(lower, "/?#"); i >= 0 {
			beforePath = lower[:i]
		}
		if strings.HasPrefix(lower, "//") || (strings.Contains(beforePath, ":") && !strings.HasPrefix(lower, "https://")) {
			t.Fatalf("output for %q links to %q", in, m[1])
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	seeds := []string{
		"<script>alert(1)</script>",
		"<SCRIPT src=//x>",
		"[x](javascript:alert(1))",
		"[x](https://example.com/\"><script>)",
		"- a\n  - <script>\n```js\n</code><script>\n```",
		"**<script>**`<script>`",
		"[`<script>`](/a)",
		"```\"><script>\n```",
		"[a](/b\"onmouseover=\"x)",
		"\x00<\x00script>",
		"[](#:)",
		"[x](?a:b)",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafeHTML(t, in, string(Markdown(in)))
		checkSafeHTML(t, in, string(MarkdownInline(in)))
	})
}
