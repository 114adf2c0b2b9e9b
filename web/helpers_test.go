package web

import (
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kubethreat/kubethreat/matrix"
)

var update = flag.Bool("update", false, "rewrite the golden files and screenshots under testdata")

var (
	siteOnce sync.Once
	testSite *Site
	siteErr  error
)

// loadMatrix returns the embedded knowledge base or stops the test.
func loadMatrix(t testing.TB) *matrix.Matrix {
	t.Helper()
	m, err := matrix.Default()
	if err != nil {
		t.Fatalf("loading the knowledge base: %v", err)
	}
	return m
}

// newTestSite returns a Site on the embedded knowledge base, built once
// per test binary because pre-rendering every page takes a moment. Its
// in-memory store holds the fixture assessments, the first with ID 1.
func newTestSite(t testing.TB) *Site {
	t.Helper()
	m := loadMatrix(t)
	siteOnce.Do(func() {
		testSite, siteErr = newSiteWithAssessments(m, Options{Matrix: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if siteErr != nil {
		t.Fatalf("building the site: %v", siteErr)
	}
	return testSite
}

// get sends a request to the site and returns the recorded response.
func get(t testing.TB, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
