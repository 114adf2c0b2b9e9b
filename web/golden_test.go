package web

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubethreat/kubethreat/matrix"
)

// newFixtureSite returns a Site on the small knowledge base under
// testdata/content, whose pages do not change when the real prose does.
func newFixtureSite(t testing.TB) *Site {
	t.Helper()
	m, err := matrix.Load(os.DirFS(filepath.Join("testdata", "content")))
	if err != nil {
		t.Fatalf("loading the fixture knowledge base: %v", err)
	}
	s, err := New(Options{Matrix: m})
	if err != nil {
		t.Fatalf("building the fixture site: %v", err)
	}
	return s
}

func TestGoldenPages(t *testing.T) {
	site := newFixtureSite(t)
	tests := []struct {
		name   string
		target string
		status int
	}{
		{"matrix", "/", 200},
		{"matrix-ids", "/?ids=1", 200},
		{"matrix-mitigation", "/?mitigation=MS-M9005", 200},
		{"matrix-tactic", "/?tactic=persistence&ids=1", 200},
		{"matrix-attack", "/?attack=T1610", 200},
		{"matrix-unmapped", "/?unmapped=1", 200},
		{"technique", "/techniques/MS-TA9001", 200},
		{"technique-retired", "/techniques/MS-TA9005?from=MS-TA9032", 200},
		{"mitigation-parent", "/mitigations/MS-M9005", 200},
		{"mitigation-child", "/mitigations/MS-M9005.001", 200},
		{"tactic", "/tactics/initial-access", 200},
		{"techniques", "/techniques", 200},
		{"mitigations", "/mitigations", 200},
		{"tactics", "/tactics", 200},
		{"attack", "/attack", 200},
		{"history", "/history", 200},
		{"about", "/about", 200},
		{"search-empty", "/search", 200},
		{"search", "/search?q=cloud", 200},
		{"not-found", "/techniques/MS-TA9002", 404},
		{"bad-filter", "/?mitigation=MS-M9999", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, site, "GET", tt.target, nil)
			if rec.Code != tt.status {
				t.Fatalf("GET %s: status %d, want %d", tt.target, rec.Code, tt.status)
			}
			// Asset versions change with every edit of the CSS or script,
			// which the golden pages need not follow.
			body := assetVersion.ReplaceAll(rec.Body.Bytes(), []byte(`?v=VERSION"`))
			compareGolden(t, filepath.Join("testdata", "golden", tt.name+".html"), body)
		})
	}
}

var assetVersion = regexp.MustCompile(`\?v=[A-Za-z0-9_-]{12}"`)

// compareGolden compares got with the golden file, or rewrites the file
// when the test runs with -update.
func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading the golden file: %v; run go test ./web -run TestGoldenPages -args -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got):\n%s", file, cmp.Diff(string(want), string(got)))
	}
}

// TestGoldenEscaping checks the hostile prose of the fixture in the
// rendered page: the script tag and unsafe links must come out as text.
func TestGoldenEscaping(t *testing.T) {
	site := newFixtureSite(t)
	body := get(t, site, "GET", "/techniques/MS-TA9001", nil).Body.String()
	checks := []struct {
		name    string
		present bool
		text    string
	}{
		{"no script element from prose", false, `<script>alert`},
		{"escaped script text", true, `&lt;script&gt;alert(&#34;summary&#34;)&lt;/script&gt;`},
		{"no javascript link", false, `href="javascript:`},
		{"no protocol-relative link", false, `href="//evil.example`},
		{"https link kept", true, `<a href="https://example.com/docs?a=1&amp;b=2">the docs</a>`},
		{"relative link kept", true, `<a href="/techniques/MS-TA9005">our page</a>`},
		{"code block escaped", true, `kind: Config # &lt;b&gt;not bold&lt;/b&gt;`},
		{"nested list", true, "<li>Then calls the API:\n<ul>"},
	}
	for _, c := range checks {
		if got := strings.Contains(body, c.text); got != c.present {
			t.Errorf("%s: Contains(%q) = %v, want %v", c.name, c.text, got, c.present)
		}
	}
}
