package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/store"
)

// newFixtureStoreSite returns a site on the small knowledge base with the
// fixture assessments, for golden pages and upload tests.
func newFixtureStoreSite(t *testing.T, opts Options) *Site {
	t.Helper()
	m, err := matrix.Load(os.DirFS(filepath.Join("testdata", "content")))
	if err != nil {
		t.Fatalf("loading the fixture knowledge base: %v", err)
	}
	opts.Matrix = m
	site, err := newSiteWithAssessments(m, opts)
	if err != nil {
		t.Fatalf("building the fixture site: %v", err)
	}
	t.Cleanup(func() { site.opts.Store.Close() })
	return site
}

func TestAssessmentRoutes(t *testing.T) {
	site := newTestSite(t)
	tests := []struct {
		name     string
		target   string
		status   int
		location string
		contains string
	}{
		{"list", "/assessments", 200, "", `<a href="/assessments/1">#1</a>`},
		{"list by source", "/assessments?source=staging", 200, "", `Assessments of <span class="break">staging</span>`},
		{"list unknown source", "/assessments?source=nowhere", 200, "", `No assessment is stored for this source yet`},
		{"list bad page", "/assessments?page=0", 400, "", `Invalid page`},
		{"overlay", "/assessments/1", 200, "", `<table id="overlay" class="matrix overlay by-level">`},
		{"overlay by exposure", "/assessments/1?color=exposure", 200, "", `class="matrix overlay by-exposure"`},
		{"overlay scan only", "/assessments/2", 200, "", `class="matrix overlay by-exposure"`},
		{"overlay bad color", "/assessments/1?color=blue", 400, "", `Invalid color`},
		{"overlay unknown", "/assessments/999", 404, "", `No assessment 999`},
		{"overlay not a number", "/assessments/abc", 404, "", `assessment IDs are positive numbers`},
		{"plan", "/assessments/1/plan", 200, "", `priority(m) = G(m)`},
		{"evidence", "/assessments/1/techniques/MS-TA9013", 200, "", `spec.template.spec.volumes[0].hostPath.path`},
		{"evidence lower case", "/assessments/1/techniques/ms-ta9013", 301, "/assessments/1/techniques/MS-TA9013", ""},
		{"evidence retired ID", "/assessments/1/techniques/MS-TA9032", 301, "/assessments/1/techniques/MS-TA9005", ""},
		{"evidence unknown technique", "/assessments/1/techniques/MS-TA9099", 404, "", `Did you mean`},
		{"evidence unknown assessment", "/assessments/999/techniques/MS-TA9013", 404, "", ``},
		{"history", "/assessments/history?source=prod-eu", 200, "", `<polyline class="spark-line"`},
		{"history without source", "/assessments/history", 400, "", `Missing query parameter source`},
		{"history unknown source", "/assessments/history?source=nowhere", 404, "", ``},
		{"upload form disabled", "/assessments/new", 404, "", `start kubethreat serve with --allow-upload`},
		{"api list", "/api/v1/assessments", 200, "", `"source": "prod-eu"`},
		{"api list limit", "/api/v1/assessments?limit=1", 200, "", `"next": "/api/v1/assessments?limit=1\u0026offset=1"`},
		{"api list bad limit", "/api/v1/assessments?limit=0", 400, "", `limit must be`},
		{"api one", "/api/v1/assessments/1", 200, "", `"hostpath-writable"`},
		{"api unknown", "/api/v1/assessments/999", 404, "", `"status": 404`},
		{"api history", "/api/v1/assessments/history?source=prod-eu", 200, "", `"source": "prod-eu"`},
		{"api history unknown", "/api/v1/assessments/history?source=nowhere", 404, "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, site, "GET", tt.target, nil)
			if rec.Code != tt.status {
				t.Fatalf("GET %s: status %d, want %d; body:\n%.600s", tt.target, rec.Code, tt.status, rec.Body.String())
			}
			if tt.location != "" && rec.Header().Get("Location") != tt.location {
				t.Errorf("Location = %q, want %q", rec.Header().Get("Location"), tt.location)
			}
			if tt.contains != "" && !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("body lacks %q; body:\n%.800s", tt.contains, rec.Body.String())
			}
		})
	}
}

func TestAssessmentNavigation(t *testing.T) {
	site := newTestSite(t)
	matrixPage := get(t, site, "GET", "/", nil).Body.String()
	for _, want := range []string{`<a href="/assessments">Assessments</a>`, `id="overlay-link"`} {
		if !strings.Contains(matrixPage, want) {
			t.Errorf("the matrix page lacks %q", want)
		}
	}
	plain := newFixtureSite(t)
	if body := get(t, plain, "GET", "/", nil).Body.String(); strings.Contains(body, "/assessments") {
		t.Error("a site without a store links to /assessments")
	}
	if rec := get(t, plain, "GET", "/assessments", nil); rec.Code != http.StatusNotFound {
		t.Errorf("a site without a store serves /assessments with %d, want 404", rec.Code)
	}
}

// overlayCell matches a cell of the overlay: its classes and technique.
var overlayCellRE = regexp.MustCompile(`<td class="cell (lvl-[a-z-]+) (exp-[a-z-]+)" data-id="([^"]+)"[^>]*><a href="([^"]+)"><span class="ov-marks" aria-hidden="true"><span class="ov-level">([^<]+)</span><span class="ov-exposure">([^<]+)</span></span><span class="tname">[^<]*</span><span class="visually-hidden">: ([^,]+), ([^<]+)</span>`)

func TestOverlayMarkers(t *testing.T) {
	site := newFixtureStoreSite(t, Options{})
	body := get(t, site, "GET", "/assessments/1", nil).Body.String()
	type cell struct{ level, exposure, href, levelSymbol, exposureSymbol, levelText, exposureText string }
	cells := map[string]cell{}
	for _, m := range overlayCellRE.FindAllStringSubmatch(body, -1) {
		cells[m[3]] = cell{m[1], m[2], m[4], m[5], m[6], m[7], m[8]}
	}
	want := map[string]cell{
		"MS-TA9013": {"lvl-partial", "exp-exposed", "/assessments/1/techniques/MS-TA9013", "◐", "!", "partly covered", "exposed"},
		"MS-TA9005": {"lvl-covered", "exp-not-observed", "/assessments/1/techniques/MS-TA9005", "●", "✓", "covered", "not observed"},
		"MS-TA9001": {"lvl-none", "exp-not-assessable", "/assessments/1/techniques/MS-TA9001", "○", "~", "no detection", "not assessable"},
	}
	for id, w := range want {
		got, ok := cells[id]
		if !ok {
			t.Errorf("no overlay cell for %s", id)
			continue
		}
		if got != w {
			t.Errorf("%s: cell %+v, want %+v", id, got, w)
		}
	}
	if len(cells) != len(want) {
		t.Errorf("%d overlay cells parsed, want %d: %v", len(cells), len(want), cells)
	}

	// The scan-only assessment has no detections, so it is coloured by
	// exposure and every level is none.
	scanOnly := get(t, site, "GET", "/assessments/2", nil).Body.String()
	if !strings.Contains(scanOnly, `class="matrix overlay by-exposure"`) {
		t.Error("the scan-only assessment is not coloured by exposure")
	}
	if !strings.Contains(scanOnly, "no detection rules") {
		t.Error("the scan-only assessment does not say that it has no detection rules")
	}
	for _, m := range overlayCellRE.FindAllStringSubmatch(scanOnly, -1) {
		if m[1] != "lvl-none" {
			t.Errorf("scan-only assessment: %s has level class %s, want lvl-none", m[3], m[1])
		}
	}
}

func TestEvidencePage(t *testing.T) {
	site := newFixtureStoreSite(t, Options{})
	body := get(t, site, "GET", "/assessments/1/techniques/MS-TA9013", nil).Body.String()
	checks := []struct {
		name    string
		present bool
		text    string
	}{
		{"failing check", true, `<span class="mono break">hostpath-writable</span><span class="former">Writable hostPath mount</span>`},
		{"object escaped", true, `Deployment shop/&lt;img src=x onerror=alert(1)&gt;`},
		{"location", true, `deploy/app.yaml:12:7`},
		{"message escaped", true, `&lt;script&gt;alert(&#34;message&#34;)&lt;/script&gt; mounts /var/run writable`},
		{"remediation", true, `Fix: Mount the path read-only.`},
		{"prevention check apart", true, `<h3 id="prevention">Failing prevention checks</h3>`},
		{"suppressed finding", true, `Suppressed by .kubethreat.yaml:3: accepted: log shipping (until 2026-01-01)`},
		{"mitigation state", true, `<span class="mark state-missing">`},
		{"mitigation evidence", true, `hostpath-writable</span>: <span class="break">passed 1, failed 1</span>`},
		{"rule name escaped", true, `<th scope="row" class="break">&lt;script&gt;alert(1)&lt;/script&gt;</th>`},
		{"mapping kind", true, `<span class="mono">attack-shared</span> via <span class="mono break">T1610</span>`},
		{"mapping ambiguous", true, `<span class="mark-symbol" aria-hidden="true">◐</span> yes</span>`},
		{"disabled rules", false, `disabled rule`},
		{"no raw script", false, `<script>alert`},
		{"no raw img", false, `<img src=x`},
	}
	for _, c := range checks {
		if got := strings.Contains(body, c.text); got != c.present {
			t.Errorf("%s: Contains(%q) = %v, want %v", c.name, c.text, got, c.present)
		}
	}

	explicit := get(t, site, "GET", "/assessments/1/techniques/MS-TA9005", nil).Body.String()
	if !strings.Contains(explicit, `<span class="mark-symbol" aria-hidden="true">✓</span> no</span><span class="former">Maps to this technique alone.</span>`) {
		t.Error("the explicit detection of MS-TA9005 is not shown as unambiguous")
	}
	disabled := get(t, site, "GET", "/assessments/1/techniques/MS-TA9001", nil).Body.String()
	if !strings.Contains(disabled, "1 disabled rule maps to it and does not count.") {
		t.Error("the disabled rule of MS-TA9001 is not mentioned")
	}
}

func TestPlanPage(t *testing.T) {
	site := newFixtureStoreSite(t, Options{})
	body := get(t, site, "GET", "/assessments/1/plan", nil).Body.String()
	for _, want := range []string{
		`<pre class="formula"><code>priority(m) = G(m) × Σ over techniques t`,
		`<th scope="row" class="mono">E(t)</th><td>exposure of the technique</td>`,
		`exposed 1</span>`,
		`<tr id="MS-M9005">`,
		`<a href="/assessments/1/techniques/MS-TA9013"><span class="mono">MS-TA9013</span> Writable hostPath mount</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the plan lacks %q", want)
		}
	}
}

func TestHistoryPage(t *testing.T) {
	site := newFixtureStoreSite(t, Options{})
	body := get(t, site, "GET", "/assessments/history?source=prod-eu", nil).Body.String()
	rows := regexp.MustCompile(`<th scope="row"><a href="/assessments/(\d+)">`).FindAllStringSubmatch(body, -1)
	var ids []string
	for _, r := range rows {
		ids = append(ids, r[1])
	}
	if strings.Join(ids, ",") != "2,1" {
		t.Errorf("history rows %v, want 2,1 (newest first)", ids)
	}
	points := regexp.MustCompile(`<polyline class="spark-line" points="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(points) != 2 {
		t.Fatalf("%d sparklines, want 2", len(points))
	}
	if n := len(strings.Fields(points[0][1])); n != 2 {
		t.Errorf("the exposed sparkline has %d points, want 2", n)
	}
	if !strings.Contains(body, `<td class="num">-1</td>`) {
		t.Error("the history does not show the exposed count falling by one")
	}
	if regexp.MustCompile(`<svg[^>]*\sstyle=`).MatchString(body) {
		t.Error("the sparkline has a style attribute, which the Content Security Policy blocks")
	}
}

func TestNewSparkline(t *testing.T) {
	tests := []struct {
		values []int
		points string
		last   [2]string
	}{
		{[]int{3, 1, 2}, "4,4 120,44 236,24", [2]string{"236", "24"}},
		{[]int{5, 5}, "4,24 236,24", [2]string{"236", "24"}},
		{[]int{7}, "4,24", [2]string{"4", "24"}},
		{[]int{0, 1, 2, 3}, "4,44 81.33,30.67 158.67,17.33 236,4", [2]string{"236", "4"}},
	}
	for _, tt := range tests {
		sp := newSparkline("test", tt.values)
		if sp.Points != tt.points {
			t.Errorf("%v: points %q, want %q", tt.values, sp.Points, tt.points)
		}
		if sp.LastX != tt.last[0] || sp.LastY != tt.last[1] {
			t.Errorf("%v: last point %s,%s, want %s,%s", tt.values, sp.LastX, sp.LastY, tt.last[0], tt.last[1])
		}
		if sp.Single != (len(tt.values) == 1) {
			t.Errorf("%v: Single = %v", tt.values, sp.Single)
		}
	}
}

func TestAssessmentPagesCached(t *testing.T) {
	site := newFixtureStoreSite(t, Options{})
	for _, target := range []string{"/assessments/1", "/assessments/1/plan", "/assessments/1/techniques/MS-TA9013", "/api/v1/assessments/1"} {
		first := get(t, site, "GET", target, nil)
		etag := first.Header().Get("ETag")
		if etag == "" {
			t.Errorf("%s: no ETag", target)
			continue
		}
		again := get(t, site, "GET", target, http.Header{"If-None-Match": {etag}})
		if again.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: status %d, want 304", target, again.Code)
		}
	}
	if site.assessments.pages.len() != 4 {
		t.Errorf("%d pages cached, want 4", site.assessments.pages.len())
	}

	// A second site on the same store, as a second replica, renders the
	// same bytes and so the same ETag.
	other, err := New(Options{Matrix: site.m, Store: site.opts.Store})
	if err != nil {
		t.Fatal(err)
	}
	a := get(t, site, "GET", "/assessments/1", nil).Header().Get("ETag")
	b := get(t, other, "GET", "/assessments/1", nil).Header().Get("ETag")
	if a != b {
		t.Errorf("two sites on one store send ETags %s and %s for one assessment", a, b)
	}
}

func TestAssessmentPagesNoInlineCode(t *testing.T) {
	site := newFixtureStoreSite(t, Options{AllowUpload: true})
	for _, target := range []string{"/assessments", "/assessments/1", "/assessments/1?color=exposure", "/assessments/2",
		"/assessments/1/plan", "/assessments/1/techniques/MS-TA9013", "/assessments/history?source=prod-eu", "/assessments/new"} {
		rec := get(t, site, "GET", target, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", target, rec.Code)
			continue
		}
		for _, re := range inlineCodePatterns {
			if loc := re.FindIndex(rec.Body.Bytes()); loc != nil {
				t.Errorf("%s contains %q", target, rec.Body.Bytes()[loc[0]:min(loc[1]+40, rec.Body.Len())])
			}
		}
	}
}

// uploadPart is one part of a multipart upload.
type uploadPart struct {
	name, file string // file is empty for a text field
	data       []byte
}

// multipartBody encodes parts in order, as a browser sends the form.
func multipartBody(t *testing.T, parts ...uploadPart) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.file != "" {
			w, err = mw.CreateFormFile(p.name, p.file)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &body, mw.FormDataContentType()
}

// post sends a POST with the headers and returns the response.
func post(t *testing.T, h http.Handler, target string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, body)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestUploadDisabled(t *testing.T) {
	site := newFixtureStoreSite(t, Options{})
	body, ctype := multipartBody(t, uploadPart{name: "document", file: "scan.json", data: []byte(`{}`)})
	tests := []struct {
		method, target, ctype string
		status                int
	}{
		{"GET", "/assessments/new", "", http.StatusNotFound},
		{"POST", "/assessments", ctype, http.StatusMethodNotAllowed},
		{"POST", "/api/v1/assessments", "application/json", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.target, bytes.NewReader(body.Bytes()))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s %s with uploads disabled: status %d, want %d", tt.method, tt.target, rec.Code, tt.status)
		}
	}
}

func TestUploadForm(t *testing.T) {
	const limit = 64 << 10
	site := newFixtureStoreSite(t, Options{AllowUpload: true, MaxUploadBytes: limit, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	token := site.uploadToken
	if len(token) < 40 {
		t.Fatalf("upload token %q is too short", token)
	}
	form := get(t, site, "GET", "/assessments/new", nil).Body.String()
	if !strings.Contains(form, `<input type="hidden" name="csrf_token" value="`+token+`">`) {
		t.Fatal("the upload form lacks the token")
	}

	newScan := fixtureScan(secondScanTime.Add(48*3600e9), true)
	goodScan := mustJSON(t, newScan)
	fixture := fixtureUpload(t, site.m, fixtureScan(firstScanTime, true))
	otherScan := fixtureScan(firstScanTime, true)
	otherScan.Inputs = []string{"deploy/other"}
	sameOrigin := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"http://example.com"}}

	tests := []struct {
		name     string
		parts    []uploadPart
		header   http.Header
		status   int
		contains string
		location string
	}{
		{"scan result", []uploadPart{{"csrf_token", "", []byte(token)}, {"source", "", []byte("prod-us")}, {"document", "scan.json", goodScan}},
			sameOrigin, http.StatusSeeOther, "", "/assessments/4"},
		{"same scan again", []uploadPart{{"csrf_token", "", []byte(token)}, {"source", "", []byte("prod-us")}, {"document", "scan.json", goodScan}},
			nil, http.StatusSeeOther, "", "/assessments/4"},
		{"coverage with its scan", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "coverage.json", fixture.Document}, {"scan", "scan.json", fixture.Scan}},
			nil, http.StatusSeeOther, "", "/assessments/1"},
		{"missing token", []uploadPart{{"document", "scan.json", goodScan}}, nil, http.StatusForbidden, "token is missing or wrong", ""},
		{"wrong token", []uploadPart{{"csrf_token", "", []byte(token + "x")}, {"document", "scan.json", goodScan}}, nil, http.StatusForbidden, "token is missing or wrong", ""},
		{"cross-site fetch", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "scan.json", goodScan}},
			http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden, "Cross-origin uploads are rejected", ""},
		{"other origin", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "scan.json", goodScan}},
			http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden, "Cross-origin uploads are rejected", ""},
		{"no file", []uploadPart{{"csrf_token", "", []byte(token)}}, nil, http.StatusBadRequest, "Choose a file to upload.", ""},
		{"not JSON", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "scan.json", []byte("apiVersion: v1\nkind: Pod\n")}},
			nil, http.StatusBadRequest, "The file is not valid JSON", ""},
		{"JSON of another kind", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "x.json", []byte(`{"items": []}`)}},
			nil, http.StatusBadRequest, "neither a kubethreat scan result", ""},
		{"invalid scan", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "scan.json", []byte(`{"schemaVersion": "1", "findings": [{"status": "bad"}]}`)}},
			nil, http.StatusBadRequest, "Invalid scan result", ""},
		{"scan of another coverage", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "coverage.json", fixture.Document}, {"scan", "scan.json", mustJSON(t, otherScan)}},
			nil, http.StatusBadRequest, "differ from the coverage document", ""},
		{"hostile source", []uploadPart{{"csrf_token", "", []byte(token)}, {"source", "", []byte("a\x00b")}, {"document", "scan.json", goodScan}},
			nil, http.StatusBadRequest, "control character", ""},
		{"unknown field", []uploadPart{{"csrf_token", "", []byte(token)}, {"other", "", []byte("x")}}, nil, http.StatusBadRequest, "Unknown form field", ""},
		{"too large", []uploadPart{{"csrf_token", "", []byte(token)}, {"document", "scan.json", bytes.Repeat([]byte(" "), limit)}},
			nil, http.StatusRequestEntityTooLarge, "larger than 65536 bytes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := multipartBody(t, tt.parts...)
			header := http.Header{"Content-Type": {ctype}}
			for k, v := range tt.header {
				header[k] = v
			}
			rec := post(t, site, "/assessments", body, header)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body:\n%.800s", rec.Code, tt.status, rec.Body.String())
			}
			if tt.location != "" && rec.Header().Get("Location") != tt.location {
				t.Errorf("Location = %q, want %q", rec.Header().Get("Location"), tt.location)
			}
			if tt.contains != "" && !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("body lacks %q:\n%.1200s", tt.contains, rec.Body.String())
			}
		})
	}

	stored, err := site.opts.Store.Get(context.Background(), 4)
	if err != nil {
		t.Fatalf("the uploaded assessment is not stored: %v", err)
	}
	if stored.Source != "prod-us" || stored.Kind != kindScan || stored.Counts.Exposed != 1 {
		t.Errorf("stored summary = %+v, want source prod-us, kind scan, 1 exposed", stored.Summary)
	}
	list, err := site.opts.Store.List(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Errorf("%d assessments stored, want 4: rejected uploads must not be stored", len(list))
	}
}

// TestUploadTooLargeWithoutLength sends a body without Content-Length, as
// a chunked upload, so that only the body reader can stop it.
func TestUploadTooLargeWithoutLength(t *testing.T) {
	const limit = 16 << 10
	site := newFixtureStoreSite(t, Options{AllowUpload: true, MaxUploadBytes: limit})
	body, ctype := multipartBody(t, uploadPart{"csrf_token", "", []byte(site.uploadToken)}, uploadPart{"document", "scan.json", bytes.Repeat([]byte("x"), 2*limit)})
	for _, target := range []string{"/assessments", "/api/v1/assessments"} {
		req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body.Bytes()))
		req.ContentLength = -1
		req.Header.Set("Content-Type", ctype)
		if strings.HasPrefix(target, "/api/") {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: chunked body of %d bytes: status %d, want 413", target, body.Len(), rec.Code)
		}
	}
}

func TestUploadAPI(t *testing.T) {
	site := newFixtureStoreSite(t, Options{AllowUpload: true, MaxUploadBytes: 64 << 10})
	scan := mustJSON(t, fixtureScan(secondScanTime.Add(72*3600e9), true))
	exported := get(t, site, "GET", "/api/v1/assessments/1", nil).Body.Bytes()

	tests := []struct {
		name     string
		target   string
		ctype    string
		header   http.Header
		body     []byte
		status   int
		contains string
	}{
		{"scan result", "/api/v1/assessments?source=ci", "application/json", nil, scan, http.StatusCreated, `"source": "ci"`},
		{"assessment exported by GET", "/api/v1/assessments", "application/json; charset=utf-8", nil, exported, http.StatusCreated, `"id": 1`},
		{"wrong content type", "/api/v1/assessments", "text/plain", nil, scan, http.StatusUnsupportedMediaType, "send application/json"},
		{"cross-site", "/api/v1/assessments", "application/json", http.Header{"Sec-Fetch-Site": {"cross-site"}}, scan, http.StatusForbidden, "cross-origin"},
		{"bad JSON", "/api/v1/assessments", "application/json", nil, []byte(`{"schemaVersion":`), http.StatusBadRequest, "not valid JSON"},
		{"too large", "/api/v1/assessments", "application/json", nil, bytes.Repeat([]byte(" "), 65<<10), http.StatusRequestEntityTooLarge, `"status": 413`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{"Content-Type": {tt.ctype}}
			for k, v := range tt.header {
				header[k] = v
			}
			rec := post(t, site, tt.target, bytes.NewReader(tt.body), header)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body:\n%.600s", rec.Code, tt.status, rec.Body.String())
			}
			if !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("body lacks %q:\n%.600s", tt.contains, rec.Body.String())
			}
			if tt.status == http.StatusCreated {
				var created apiAssessmentSummary
				if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
					t.Fatal(err)
				}
				if loc := rec.Header().Get("Location"); loc != "/api/v1/assessments/"+strconv.FormatInt(created.ID, 10) {
					t.Errorf("Location = %q for assessment %d", loc, created.ID)
				}
			}
		})
	}
}

// TestAssessmentCopy posts the API document of an assessment to another
// server, which must store the same assessment.
func TestAssessmentCopy(t *testing.T) {
	from := newFixtureStoreSite(t, Options{})
	to := newFixtureStoreSite(t, Options{AllowUpload: true})
	for id := 1; id <= 3; id++ {
		exported := get(t, from, "GET", "/api/v1/assessments/"+strconv.Itoa(id), nil).Body.Bytes()
		var want apiAssessment
		if err := json.Unmarshal(exported, &want); err != nil {
			t.Fatal(err)
		}
		rec := post(t, to, "/api/v1/assessments", bytes.NewReader(exported), http.Header{"Content-Type": {"application/json"}})
		if rec.Code != http.StatusCreated {
			t.Fatalf("assessment %d: status %d: %s", id, rec.Code, rec.Body.String())
		}
		var got apiAssessmentSummary
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Source != want.Source || got.Kind != want.Kind || got.Counts != want.Counts || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("assessment %d copied as %+v, want %+v", id, got, want.apiAssessmentSummary)
		}
	}
}

func TestGoldenAssessmentPages(t *testing.T) {
	site := newFixtureStoreSite(t, Options{AllowUpload: true})
	token := regexp.MustCompile(`name="csrf_token" value="[^"]+"`)
	tests := []struct {
		name   string
		target string
	}{
		{"assessment-overlay", "/assessments/1"},
		{"assessment-overlay-exposure", "/assessments/1?color=exposure"},
		{"assessment-scan-only", "/assessments/2"},
		{"assessment-plan", "/assessments/1/plan"},
		{"assessment-evidence", "/assessments/1/techniques/MS-TA9013"},
		{"assessment-history", "/assessments/history?source=prod-eu"},
		{"assessment-list", "/assessments"},
		{"assessment-upload", "/assessments/new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, site, "GET", tt.target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d", tt.target, rec.Code)
			}
			body := assetVersion.ReplaceAll(rec.Body.Bytes(), []byte(`?v=VERSION"`))
			body = token.ReplaceAll(body, []byte(`name="csrf_token" value="TOKEN"`))
			compareGolden(t, filepath.Join("testdata", "golden", tt.name+".html"), body)
		})
	}
}

// TestUploadRejectsOtherDocuments imports JSON documents that are not scan
// results or coverage documents, directly and through the JSON API.
func TestUploadRejectsOtherDocuments(t *testing.T) {
	site := newFixtureStoreSite(t, Options{AllowUpload: true, MaxUploadBytes: 4 << 20, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	embedded, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	var kb bytes.Buffer
	if err := matrix.WriteJSON(&kb, embedded); err != nil {
		t.Fatal(err)
	}
	exported := get(t, site, "GET", "/api/v1/assessments/1", nil).Body.Bytes()
	withKB := bytes.Replace(exported, []byte(`"coverage": {`), []byte(`"coverage": `+kb.String()+`, "unused": {`), 1)
	if bytes.Equal(withKB, exported) {
		t.Fatal("the exported assessment has no coverage member to replace")
	}

	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"knowledge-base export", kb.Bytes(), "the file is a kubethreat knowledge-base export (kubethreat export json), not a scan result or coverage document; " +
			"upload a scan result (kubethreat scan -o json) or a coverage document (kubethreat coverage -o json)"},
		{"schema version only", []byte(`{"schemaVersion": "1"}`), "tool is missing"},
		{"JSON array", []byte(`[{"schemaVersion": "1"}]`), "the file is not a JSON object but a JSON array"},
		{"JSON number", []byte(`1`), "the file is not a JSON object but a JSON number"},
		{"assessment of a knowledge base", withKB, "the assessment document's coverage is a kubethreat knowledge-base export"},
		{"assessment with an array", []byte(`{"kind": "coverage", "coverage": [1]}`), "the assessment document's coverage is not a JSON object but a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := site.Import(context.Background(), Upload{Document: tt.body})
			if err == nil {
				t.Fatal("Import accepted the document, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "web.") {
				t.Errorf("error names Go types: %q", err)
			}

			rec := post(t, site, "/api/v1/assessments", bytes.NewReader(tt.body), http.Header{"Content-Type": {"application/json"}})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("POST /api/v1/assessments: status %d, want 400; body:\n%.600s", rec.Code, rec.Body.String())
			}
		})
	}

	list, err := site.opts.Store.List(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Errorf("%d assessments stored, want the 3 fixtures: rejected uploads must not be stored", len(list))
	}
}
