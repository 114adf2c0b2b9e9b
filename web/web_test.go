package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRoutes(t *testing.T) {
	site := newTestSite(t)
	tests := []struct {
		name     string
		method   string
		target   string
		status   int
		location string // for redirects
		ctype    string // prefix of Content-Type
		contains string // in the body
	}{
		{"matrix", "GET", "/", 200, "", "text/html", `<table id="matrix"`},
		{"matrix with IDs", "GET", "/?ids=1", 200, "", "text/html", `class="matrix show-ids"`},
		{"matrix head", "HEAD", "/", 200, "", "text/html", ""},
		{"matrix tactic filter", "GET", "/?tactic=persistence", 200, "", "text/html", `Showing 6 techniques of one tactic`},
		{"matrix tactic by upstream slug", "GET", "/?tactic=PrivilegeEscalation", 200, "", "text/html", `<option value="privilege-escalation" selected>`},
		{"matrix mitigation filter", "GET", "/?mitigation=ms-m9025", 200, "", "text/html", `Highlighted: the techniques that <a href="/mitigations/MS-M9025">`},
		{"matrix attack filter", "GET", "/?attack=t1610", 200, "", "text/html", `the techniques mapped to ATT&amp;CK <a href="/attack#T1610">T1610</a>`},
		{"matrix unmapped filter", "GET", "/?unmapped=1", 200, "", "text/html", `cells match the filters`},
		{"matrix text filter", "GET", "/?filter=hostpath", 200, "", "text/html", `class="cell match"`},
		{"matrix unknown tactic", "GET", "/?tactic=nowhere", 400, "", "text/html", `No tactic &#34;nowhere&#34;`},
		{"matrix unknown mitigation", "GET", "/?mitigation=MS-M9099", 400, "", "text/html", `Did you mean`},
		{"matrix malformed attack", "GET", "/?attack=1610", 400, "", "text/html", `is not an ATT&amp;CK technique ID`},
		{"technique", "GET", "/techniques/MS-TA9016", 200, "", "text/html", `<h1>Container service account</h1>`},
		{"technique lower case", "GET", "/techniques/ms-ta9016", 301, "/techniques/MS-TA9016", "", ""},
		{"technique trailing slash", "GET", "/techniques/MS-TA9016/", 301, "/techniques/MS-TA9016", "", ""},
		{"technique retired", "GET", "/techniques/MS-TA9032", 301, "/techniques/MS-TA9005?from=MS-TA9032", "", ""},
		{"technique retired lower case", "GET", "/techniques/ms-ta9032", 301, "/techniques/MS-TA9005?from=MS-TA9032", "", ""},
		{"technique from retired", "GET", "/techniques/MS-TA9005?from=MS-TA9032", 200, "", "text/html", `id="retired-notice"`},
		{"technique from unrelated", "GET", "/techniques/MS-TA9016?from=MS-TA9032", 200, "", "text/html", `<h1>Container service account</h1>`},
		{"technique unknown", "GET", "/techniques/MS-TA9099", 404, "", "text/html", `Did you mean`},
		{"techniques index", "GET", "/techniques", 200, "", "text/html", `MS-TA9041`},
		{"techniques index slash", "GET", "/techniques/", 301, "/techniques", "", ""},
		{"mitigation", "GET", "/mitigations/MS-M9025", 200, "", "text/html", `MS-M9025`},
		{"mitigation parent", "GET", "/mitigations/MS-M9005", 200, "", "text/html", `<h2 id="sub-mitigations">Sub-mitigations</h2>`},
		{"mitigation child", "GET", "/mitigations/MS-M9005.002", 200, "", "text/html", `Part of <a href="/mitigations/MS-M9005">`},
		{"mitigation lower case", "GET", "/mitigations/ms-m9005.001", 301, "/mitigations/MS-M9005.001", "", ""},
		{"mitigation unknown", "GET", "/mitigations/MS-M9099", 404, "", "text/html", `Did you mean`},
		{"mitigations index", "GET", "/mitigations", 200, "", "text/html", `MS-M9005.003`},
		{"tactic", "GET", "/tactics/persistence", 200, "", "text/html", `<h1>Persistence</h1>`},
		{"tactic by name", "GET", "/tactics/Privilege%20Escalation", 301, "/tactics/privilege-escalation", "", ""},
		{"tactic by ATT&CK ID", "GET", "/tactics/TA0003", 301, "/tactics/persistence", "", ""},
		{"tactic unknown", "GET", "/tactics/exfiltration", 404, "", "text/html", `No tactic &#34;exfiltration&#34;`},
		{"tactics index", "GET", "/tactics", 200, "", "text/html", `Lateral Movement`},
		{"attack", "GET", "/attack", 200, "", "text/html", `<tr id="T1610" class="shared">`},
		{"history", "GET", "/history", 200, "", "text/html", `Retired technique IDs`},
		{"about", "GET", "/about", 200, "", "text/html", `CC BY 4.0`},
		{"search form", "GET", "/search", 200, "", "text/html", `id="search-q"`},
		{"search", "GET", "/search?q=hostPath", 200, "", "text/html", `href="/techniques/MS-TA9013"`},
		{"search too long", "GET", "/search?q=" + strings.Repeat("a", 201), 400, "", "text/html", ""},
		{"upstream root", "GET", "/Threat-Matrix-for-Kubernetes/", 301, "/", "", ""},
		{"upstream prefixed page", "GET", "/Threat-Matrix-for-Kubernetes/techniques/Static%20Pods/", 301, "/techniques/MS-TA9017", "", ""},
		{"upstream unknown", "GET", "/techniques/No%20such%20page/", 404, "", "text/html", ""},
		{"static css", "GET", "/static/style.css", 200, "", "text/css", `prefers-color-scheme: dark`},
		{"static js", "GET", "/static/app.js", 200, "", "text/javascript", `ArrowRight`},
		{"static unknown", "GET", "/static/nothing.css", 404, "", "text/html", ""},
		{"favicon", "GET", "/favicon.ico", 200, "", "image/svg+xml", "<svg"},
		{"robots", "GET", "/robots.txt", 200, "", "text/plain", "Disallow: /api/"},
		{"unknown page", "GET", "/nothing/here", 404, "", "text/html", `No page at this address`},
		{"post page", "POST", "/", 405, "", "text/html", ""},
		{"delete technique", "DELETE", "/techniques/MS-TA9016", 405, "", "text/html", ""},
		{"api tactics", "GET", "/api/v1/tactics", 200, "", "application/json", `"slug": "initial-access"`},
		{"api tactic", "GET", "/api/v1/tactics/persistence", 200, "", "application/json", `"upstream_slug": "Persistence"`},
		{"api tactic other key", "GET", "/api/v1/tactics/TA0003", 301, "/api/v1/tactics/persistence", "", ""},
		{"api techniques", "GET", "/api/v1/techniques", 200, "", "application/json", `"id": "MS-TA9041"`},
		{"api technique", "GET", "/api/v1/techniques/MS-TA9016", 200, "", "application/json", `"how_it_works":`},
		{"api technique lower case", "GET", "/api/v1/techniques/ms-ta9016", 301, "/api/v1/techniques/MS-TA9016", "", ""},
		{"api technique retired", "GET", "/api/v1/techniques/MS-TA9032", 301, "/api/v1/techniques/MS-TA9005", "", ""},
		{"api technique unknown", "GET", "/api/v1/techniques/MS-TA9099", 404, "", "application/json", `"suggestions": [`},
		{"api mitigations", "GET", "/api/v1/mitigations", 200, "", "application/json", `"parent": "MS-M9005"`},
		{"api mitigation", "GET", "/api/v1/mitigations/MS-M9005", 200, "", "application/json", `"children": [`},
		{"api mitigation unknown", "GET", "/api/v1/mitigations/MS-M9099", 404, "", "application/json", `"status": 404`},
		{"api attack list", "GET", "/api/v1/attack", 200, "", "application/json", `"attack_version"`},
		{"api attack shared", "GET", "/api/v1/attack/T1610", 200, "", "application/json", `"mapping": "shared"`},
		{"api attack lower case", "GET", "/api/v1/attack/t1610", 301, "/api/v1/attack/T1610", "", ""},
		{"api attack parent fallback", "GET", "/api/v1/attack/T1552.999", 200, "", "application/json", `"matched_via": "T1552"`},
		{"api attack malformed", "GET", "/api/v1/attack/X1", 400, "", "application/json", `"status": 400`},
		{"api attack unmapped", "GET", "/api/v1/attack/T1001", 404, "", "application/json", `"status": 404`},
		{"api history", "GET", "/api/v1/history", 200, "", "application/json", `"retired": [`},
		{"api search", "GET", "/api/v1/search?q=hostPath&limit=3", 200, "", "application/json", `"url": "/techniques/MS-TA9013"`},
		{"api search empty", "GET", "/api/v1/search", 400, "", "application/json", `missing query parameter q`},
		{"api search bad limit", "GET", "/api/v1/search?q=pod&limit=0", 400, "", "application/json", `limit must be`},
		{"api openapi", "GET", "/api/v1/openapi.json", 200, "", "application/json", `"openapi": "3.1.0"`},
		{"api export json", "GET", "/api/v1/export.json", 200, "", "application/json", `MS-TA9016`},
		{"api export yaml", "GET", "/api/v1/export.yaml", 200, "", "application/yaml", `MS-TA9016`},
		{"api export csv", "GET", "/api/v1/export.csv", 200, "", "text/csv", `MS-TA9016`},
		{"api unknown", "GET", "/api/v1/nothing", 404, "", "application/json", `openapi.json`},
		{"api post", "POST", "/api/v1/techniques", 405, "", "application/json", `"status": 405`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, site, tt.method, tt.target, nil)
			if rec.Code != tt.status {
				t.Fatalf("%s %s: status %d, want %d; body:\n%.400s", tt.method, tt.target, rec.Code, tt.status, rec.Body.String())
			}
			if tt.location != "" {
				if got := rec.Header().Get("Location"); got != tt.location {
					t.Errorf("Location = %q, want %q", got, tt.location)
				}
			}
			if tt.ctype != "" && !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type = %q, want %s", rec.Header().Get("Content-Type"), tt.ctype)
			}
			if tt.contains != "" && !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("body lacks %q; body:\n%.600s", tt.contains, rec.Body.String())
			}
			if tt.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD response has a body of %d bytes", rec.Body.Len())
			}
			if tt.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want GET, HEAD", rec.Header().Get("Allow"))
			}
		})
	}
}

// sitePathTarget returns a request target for an upstream site path, with
// each segment percent-encoded as a browser sends it.
func sitePathTarget(sitePath string) string {
	segs := strings.Split(sitePath, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/" + strings.Join(segs, "/")
}

func TestUpstreamRedirects(t *testing.T) {
	site := newTestSite(t)
	m := site.m
	type redirectCase struct{ sitePath, want string }
	var cases []redirectCase
	for _, tech := range m.Techniques {
		cases = append(cases, redirectCase{tech.SitePath, "/techniques/" + tech.ID})
	}
	for _, x := range m.Mitigations {
		cases = append(cases, redirectCase{x.SitePath, "/mitigations/" + x.ID})
	}
	for _, tac := range m.Tactics {
		cases = append(cases, redirectCase{"tactics/" + tac.UpstreamSlug + "/", "/tactics/" + tac.Slug})
	}
	if len(cases) != len(m.Techniques)+len(m.Mitigations)+len(m.Tactics) {
		t.Fatal("case table is incomplete")
	}

	for _, c := range cases {
		if !strings.HasSuffix(c.sitePath, "/") {
			t.Errorf("site path %q lacks its trailing slash", c.sitePath)
			continue
		}
		target := sitePathTarget(c.sitePath)
		variants := []string{
			target,
			strings.TrimSuffix(target, "/"),
			target + "index.html",
			upstreamPrefix + target,
		}
		for _, v := range variants {
			rec := get(t, site, "GET", v, nil)
			if v == c.want {
				// The upstream path without its slash is our own page,
				// as for mitigations/MS-M9005/.
				if rec.Code != http.StatusOK {
					t.Errorf("GET %s: status %d, want 200", v, rec.Code)
				}
				continue
			}
			if rec.Code != http.StatusMovedPermanently {
				t.Errorf("GET %s: status %d, want 301", v, rec.Code)
				continue
			}
			if got := rec.Header().Get("Location"); got != c.want {
				t.Errorf("GET %s: Location %q, want %q", v, got, c.want)
			}
		}
	}

	// Some site paths are known to be unusual; check that they are served
	// exactly as recorded.
	for _, raw := range []string{
		"/techniques/Pod%20or%20container%20name%20similarily/",
		"/techniques/Writable%20hostPath%20mount/",
		"/mitigations/MS-M9005/MS-M9005.003%20Gate%20images%20deployed%20to%20Kubenertes%20cluster/",
	} {
		if rec := get(t, site, "GET", raw, nil); rec.Code != http.StatusMovedPermanently {
			t.Errorf("GET %s: status %d, want 301", raw, rec.Code)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	site := newTestSite(t)
	targets := []struct{ method, target string }{
		{"GET", "/"},
		{"GET", "/?mitigation=MS-M9025"},
		{"GET", "/techniques/MS-TA9013"},
		{"GET", "/techniques/ms-ta9013"},
		{"GET", "/techniques/Writable%20hostPath%20mount/"},
		{"GET", "/techniques/MS-TA9099"},
		{"GET", "/search?q=pod"},
		{"GET", "/static/style.css"},
		{"GET", "/favicon.ico"},
		{"GET", "/api/v1/techniques"},
		{"GET", "/api/v1/search?q=pod"},
		{"GET", "/api/v1/nothing"},
		{"GET", "/api/v1/export.csv"},
		{"POST", "/"},
		{"HEAD", "/attack"},
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	}
	for _, tt := range targets {
		rec := get(t, site, tt.method, tt.target, nil)
		for name, value := range want {
			if got := rec.Header().Get(name); got != value {
				t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.target, name, got, value)
			}
		}
	}
}

// inlineCodePatterns match what the Content Security Policy would block:
// inline scripts, style elements, style attributes, event handler
// attributes and resources from other hosts. Attributes are matched inside
// tags only, so that escaped text such as "&lt;img onerror=" passes.
var inlineCodePatterns = []*regexp.Regexp{
	regexp.MustCompile(`<script>|<script [^>]*>[^<]`),
	regexp.MustCompile(`<style`),
	regexp.MustCompile(`<[a-zA-Z][^>]*\sstyle=`),
	regexp.MustCompile(`<[a-zA-Z][^>]*\son[a-z]+=`),
	regexp.MustCompile(`(src|href)="(https?:)?//[^"]*"[^>]*rel="stylesheet"|<(script|img|link)[^>]+(src|href)="(https?:)?//`),
}

// TestNoInlineCode checks every pre-rendered page for inlineCodePatterns.
func TestNoInlineCode(t *testing.T) {
	site := newTestSite(t)
	forbidden := inlineCodePatterns
	if len(site.pages) < 80 {
		t.Fatalf("only %d pre-rendered pages", len(site.pages))
	}
	for path, rs := range site.pages {
		for _, re := range forbidden {
			if loc := re.FindIndex(rs.body); loc != nil {
				t.Errorf("%s contains %q", path, rs.body[loc[0]:min(loc[1]+40, len(rs.body))])
			}
		}
	}
}

func TestETagAndGzip(t *testing.T) {
	site := newTestSite(t)
	for _, target := range []string{"/", "/techniques/MS-TA9013", "/api/v1/techniques", "/api/v1/search?q=pod", "/?mitigation=MS-M9025"} {
		first := get(t, site, "GET", target, nil)
		etag := first.Header().Get("ETag")
		if !regexp.MustCompile(`^"[A-Za-z0-9_-]{24}"$`).MatchString(etag) {
			t.Errorf("%s: ETag %q is not a strong hash tag", target, etag)
			continue
		}
		if first.Header().Get("Cache-Control") == "" {
			t.Errorf("%s: no Cache-Control", target)
		}
		again := get(t, site, "GET", target, http.Header{"If-None-Match": {etag}})
		if again.Code != http.StatusNotModified {
			t.Errorf("%s with If-None-Match: status %d, want 304", target, again.Code)
		}
		if again.Body.Len() != 0 {
			t.Errorf("%s: 304 with a body", target)
		}
		stale := get(t, site, "GET", target, http.Header{"If-None-Match": {`"other"`}})
		if stale.Code != http.StatusOK {
			t.Errorf("%s with a stale ETag: status %d, want 200", target, stale.Code)
		}
	}

	plain := get(t, site, "GET", "/", nil)
	zipped := get(t, site, "GET", "/", http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", zipped.Header().Get("Content-Encoding"))
	}
	if zipped.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("the gzip variant shares the ETag of the identity body")
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Error("the gzip variant does not decompress to the page")
	}
	refused := get(t, site, "GET", "/", http.Header{"Accept-Encoding": {"gzip;q=0"}})
	if refused.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although the client refused it with q=0")
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"deflate, gzip", true},
		{"GZIP;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"br", false},
		{"identity", false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestEtagMatches(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`"abc-gz"`, true},
		{"*", true},
		{`"abcd"`, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, `"abc"`, `"abc-gz"`); got != tt.want {
			t.Errorf("etagMatches(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestNotFoundSuggestions(t *testing.T) {
	site := newTestSite(t)
	for _, id := range []string{"MS-TA9099", "MS-TA901", "MS-M9099"} {
		section := "techniques"
		if strings.HasPrefix(id, "MS-M") {
			section = "mitigations"
		}
		rec := get(t, site, "GET", "/"+section+"/"+id, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", id, rec.Code)
			continue
		}
		want := site.m.Suggest(id, 3)
		if len(want) == 0 {
			t.Fatalf("Suggest(%q) returned nothing; pick another test ID", id)
		}
		for _, s := range want {
			if !strings.Contains(rec.Body.String(), `<span class="mono">`+s+`</span>`) {
				t.Errorf("404 page for %s lacks the suggestion %s", id, s)
			}
		}
		var body apiErrorBody
		api := get(t, site, "GET", "/api/v1/"+section+"/"+id, nil)
		if err := json.Unmarshal(api.Body.Bytes(), &body); err != nil {
			t.Fatalf("API error for %s is not JSON: %v", id, err)
		}
		if strings.Join(body.Error.Suggestions, ",") != strings.Join(want, ",") {
			t.Errorf("API suggestions for %s = %v, want %v", id, body.Error.Suggestions, want)
		}
	}
}

func TestMatrixFilterCounts(t *testing.T) {
	site := newTestSite(t)
	m := site.m
	x, _ := m.Mitigation("MS-M9005")
	addressed := map[string]bool{}
	for _, l := range x.Techniques {
		addressed[l.Technique.ID] = true
	}
	for _, c := range x.Children {
		for _, l := range c.Techniques {
			addressed[l.Technique.ID] = true
		}
	}
	unmapped := map[string]bool{}
	for _, tech := range m.Techniques {
		if !tech.HasAttack() {
			unmapped[tech.ID] = true
		}
	}
	shared := map[string]bool{}
	for _, tech := range m.TechniquesForAttack("T1610") {
		shared[tech.ID] = true
	}
	if len(shared) != 3 {
		t.Errorf("T1610 maps to %d techniques, want 3", len(shared))
	}

	tests := []struct {
		query string
		want  map[string]bool // the technique IDs whose cells match
	}{
		{"mitigation=MS-M9005", addressed},
		{"unmapped=1", unmapped},
		{"attack=T1610", shared},
	}
	cellRE := regexp.MustCompile(`<td class="cell match"[^>]*data-id="([^"]+)"`)
	for _, tt := range tests {
		body := get(t, site, "GET", "/?"+tt.query, nil).Body.String()
		got := map[string]bool{}
		for _, sub := range cellRE.FindAllStringSubmatch(body, -1) {
			got[sub[1]] = true
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d techniques match, want %d", tt.query, len(got), len(tt.want))
		}
		for id := range tt.want {
			if !got[id] {
				t.Errorf("%s: %s does not match", tt.query, id)
			}
		}
	}
}

func TestOpenAPIDocument(t *testing.T) {
	site := newTestSite(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name    string `json:"name"`
				In      string `json:"in"`
				Example any    `json:"example"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != apiPrefix {
		t.Fatalf("servers = %+v, want one with url %s", doc.Servers, apiPrefix)
	}

	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok {
			t.Errorf("path %s has no get operation", path)
			continue
		}
		target := path
		query := url.Values{}
		for _, p := range op.Parameters {
			switch p.In {
			case "path":
				target = strings.ReplaceAll(target, "{"+p.Name+"}", p.Example.(string))
			case "query":
				if p.Example != nil {
					query.Set(p.Name, p.Example.(string))
				}
			}
		}
		full := apiPrefix + target
		if len(query) > 0 {
			full += "?" + query.Encode()
		}
		rec := get(t, site, "GET", full, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("documented path %s: GET %s returned %d", path, full, rec.Code)
		}
	}

	for _, route := range site.APIRoutes() {
		path := strings.TrimPrefix(route, apiPrefix)
		if _, ok := doc.Paths[path]; !ok {
			t.Errorf("served route %s is not in openapi.json", route)
		}
	}
	if len(site.APIRoutes()) != len(doc.Paths) {
		t.Errorf("%d API routes served, %d paths documented", len(site.APIRoutes()), len(doc.Paths))
	}
}

func TestAPITechniqueDocument(t *testing.T) {
	site := newTestSite(t)
	rec := get(t, site, "GET", "/api/v1/techniques/MS-TA9005", nil)
	var v apiTechnique
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	tech, _ := site.m.Technique("MS-TA9005")
	if v.ID != tech.ID || v.Name != tech.Name {
		t.Errorf("got %s %q, want %s %q", v.ID, v.Name, tech.ID, tech.Name)
	}
	if len(v.Mitigations) != len(tech.Mitigations) {
		t.Errorf("%d mitigations, want %d", len(v.Mitigations), len(tech.Mitigations))
	}
	for i, l := range v.Mitigations {
		if l.Note != tech.Mitigations[i].Note {
			t.Errorf("mitigation %s: note %q, want %q", l.ID, l.Note, tech.Mitigations[i].Note)
		}
	}
	if strings.Join(v.RetiredIDs, ",") != "MS-TA9032" {
		t.Errorf("retired_ids = %v, want [MS-TA9032]", v.RetiredIDs)
	}
	if v.Summary != tech.Summary || v.Detection != tech.Detection {
		t.Error("prose fields differ from the knowledge base")
	}
}

func TestExportDownloads(t *testing.T) {
	site := newTestSite(t)
	for _, ext := range []string{"json", "yaml", "csv"} {
		rec := get(t, site, "GET", "/api/v1/export."+ext, nil)
		want := `attachment; filename="kubethreat-matrix-` + site.m.Version + `.` + ext + `"`
		if got := rec.Header().Get("Content-Disposition"); got != want {
			t.Errorf("export.%s: Content-Disposition = %q, want %q", ext, got, want)
		}
		if rec.Header().Get("ETag") == "" {
			t.Errorf("export.%s: no ETag", ext)
		}
	}
}

func TestErrorsHideInternalDetail(t *testing.T) {
	var logs bytes.Buffer
	m := loadMatrix(t)
	site, err := New(Options{Matrix: m, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	site.Handle("/broken", func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("database password is hunter2")
	})
	site.HandleAPI("/api/v1/broken", func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("database password is hunter2")
	})
	for _, target := range []string{"/broken", "/api/v1/broken"} {
		rec := get(t, site, "GET", target, nil)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", target, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "hunter2") {
			t.Errorf("%s: the response shows the internal error", target)
		}
		if !strings.Contains(rec.Body.String(), "nternal server error") {
			t.Errorf("%s: the response lacks the safe message", target)
		}
	}
	if !strings.Contains(logs.String(), "hunter2") {
		t.Error("the internal error was not logged")
	}
}

func TestRequestBodyLimit(t *testing.T) {
	m := loadMatrix(t)
	site, err := New(Options{Matrix: m, MaxBodyBytes: 16})
	if err != nil {
		t.Fatal(err)
	}
	site.Handle("/upload", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := io.ReadAll(r.Body); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}, http.MethodPost)
	tests := []struct {
		body   string
		status int
	}{
		{strings.Repeat("x", 16), http.StatusNoContent},
		{strings.Repeat("x", 17), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, "/upload", strings.NewReader(tt.body))
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("POST of %d bytes: status %d, want %d", len(tt.body), rec.Code, tt.status)
		}
	}
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	m := loadMatrix(t)
	site, err := New(Options{Matrix: m, AccessLog: true, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, site, "GET", "/techniques/MS-TA9013", nil)
	var line struct {
		Msg      string `json:"msg"`
		Method   string `json:"method"`
		Path     string `json:"path"`
		Status   int    `json:"status"`
		Bytes    int    `json:"bytes"`
		Duration int64  `json:"duration"`
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("access log %q: %v", logs.String(), err)
	}
	if line.Msg != "request" || line.Method != "GET" || line.Path != "/techniques/MS-TA9013" || line.Status != 200 {
		t.Errorf("access log line = %+v", line)
	}
	if line.Bytes != rec.Body.Len() {
		t.Errorf("logged %d bytes, sent %d", line.Bytes, rec.Body.Len())
	}
	if line.Duration <= 0 {
		t.Errorf("logged duration %d", line.Duration)
	}
}

func TestServeShutsDown(t *testing.T) {
	site := newTestSite(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, site, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/api/v1/tactics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after cancel, want nil", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

func TestServerTimeouts(t *testing.T) {
	srv := NewHTTPServer(http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if srv.ReadTimeout == 0 || srv.ReadHeaderTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("a timeout is unset: %+v", srv)
	}
	if srv.MaxHeaderBytes != MaxHeaderBytes {
		t.Errorf("MaxHeaderBytes = %d, want %d", srv.MaxHeaderBytes, MaxHeaderBytes)
	}
}
