package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// Cache-Control values. Pages and API responses are revalidated on every
// use, which costs a 304 when nothing changed; assets are addressed with a
// content hash in their URL, so they never change under one URL.
const (
	cacheRevalidate = "no-cache"
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheNone       = "no-store"
)

// gzipMinSize is the body size below which a compressed variant is not
// worth its extra header and decoding time.
const gzipMinSize = 1024

// resource is a response prepared once: its body, an optional gzip variant
// and their strong ETags. The header values are kept as slices that every
// response shares, because net/http only reads them.
type resource struct {
	status       int
	contentType  []string
	cacheControl []string
	disposition  []string // Content-Disposition, for downloads
	body         []byte
	etag         string
	etagHeader   []string
	length       []string
	gzipBody     []byte
	gzipETag     string
	gzipHeader   []string // the gzip variant's ETag header value
	gzipLength   []string
}

var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	encodingGzip       = []string{"gzip"}
)

// newResource prepares body for serving from memory many times. It adds a
// gzip variant when that is at least a tenth smaller.
func newResource(contentType, cacheControl string, body []byte) *resource {
	rs := newDynamicResource(contentType, cacheControl, body)
	if len(body) >= gzipMinSize {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body)*9/10 {
			rs.gzipBody = buf.Bytes()
			rs.gzipETag = strings.TrimSuffix(rs.etag, `"`) + `-gz"`
			rs.gzipHeader = []string{rs.gzipETag}
			rs.gzipLength = []string{strconv.Itoa(len(rs.gzipBody))}
		}
	}
	return rs
}

// newDynamicResource prepares a body that is served once, for a response
// rendered per request. It has no gzip variant, because compressing costs
// more than the page takes to render.
func newDynamicResource(contentType, cacheControl string, body []byte) *resource {
	etag := etagOf(body)
	return &resource{
		status:       http.StatusOK,
		contentType:  []string{contentType},
		cacheControl: []string{cacheControl},
		body:         body,
		etag:         etag,
		etagHeader:   []string{etag},
		length:       []string{strconv.Itoa(len(body))},
	}
}

// etagOf returns a strong entity tag: the first 144 bits of the body's
// SHA-256, in base64url.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// ServeHTTP writes the resource, or 304 when the request's If-None-Match
// names either of its variants.
func (rs *resource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = rs.contentType
	h["Cache-Control"] = rs.cacheControl
	if rs.disposition != nil {
		h["Content-Disposition"] = rs.disposition
	}

	body, etag, length := rs.body, rs.etagHeader, rs.length
	if rs.gzipBody != nil {
		h["Vary"] = varyAcceptEncoding
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag, length = rs.gzipBody, rs.gzipHeader, rs.gzipLength
			h["Content-Encoding"] = encodingGzip
		}
	}
	h["Etag"] = etag

	if rs.status == http.StatusOK && etagMatches(r.Header.Get("If-None-Match"), rs.etag, rs.gzipETag) {
		delete(h, "Content-Type")
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = length
	w.WriteHeader(rs.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatches implements the weak comparison that RFC 9110 prescribes for
// If-None-Match: any listed tag equal to one of ours, with or without W/.
func etagMatches(header string, tags ...string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		for _, t := range tags {
			if t != "" && part == t {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: it is
// listed (or "*" is) without q=0.
func acceptsGzip(header string) bool {
	if header == "" {
		return false
	}
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}
