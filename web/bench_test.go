package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchmarkGet measures the whole handler chain (security headers, access
// log off, routing, serving) for one request target.
func benchmarkGet(b *testing.B, target string) {
	site := newTestSite(b)
	req := httptest.NewRequest(http.MethodGet, target, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d", target, rec.Code)
		}
	}
}

func BenchmarkMatrixPage(b *testing.B)         { benchmarkGet(b, "/") }
func BenchmarkMatrixPageFiltered(b *testing.B) { benchmarkGet(b, "/?mitigation=MS-M9025&ids=1") }
func BenchmarkTechniquePage(b *testing.B)      { benchmarkGet(b, "/techniques/MS-TA9013") }
func BenchmarkAPITechniques(b *testing.B)      { benchmarkGet(b, "/api/v1/techniques") }
func BenchmarkSearchPage(b *testing.B)         { benchmarkGet(b, "/search?q=hostPath") }

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark below measures the handler and not the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

func BenchmarkMatrixPageHandlerOnly(b *testing.B) {
	site := newTestSite(b)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		site.ServeHTTP(w, req)
	}
}
