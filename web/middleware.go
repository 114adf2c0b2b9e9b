package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// ContentSecurityPolicy allows scripts, styles, images and fetches from the
// site itself only, and no inline code, so the pages carry no inline
// script, style element or style attribute.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders are set on every response, errors and redirects included.
// The keys are in canonical form and the value slices are shared by all
// responses, which net/http only reads, so setting them allocates nothing.
var securityHeaders = []struct {
	key   string
	value []string
}{
	{"Content-Security-Policy", []string{ContentSecurityPolicy}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
}

// HandlerFunc is an HTTP handler that returns its error instead of writing
// it, so that one place logs the detail and shows a safe message.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Error is an error with the status and message to show the client. Err,
// if set, is logged but never shown.
type Error struct {
	Status      int
	Message     string   // safe to show
	Suggestions []string // IDs the client may have meant
	Err         error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

func errNotFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf(format, args...)}
}

func errBadRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// errorKind selects how an error is shown: as an HTML page or as JSON.
type errorKind int

const (
	htmlErrors errorKind = iota
	jsonErrors
)

// wrap turns a HandlerFunc into an http.Handler that accepts only the given
// methods (GET also allows HEAD) and reports errors in the given form.
func (s *Site) wrap(kind errorKind, methods []string, h HandlerFunc) http.Handler {
	allow := ""
	for i, m := range methods {
		if i > 0 {
			allow += ", "
		}
		allow += m
		if m == http.MethodGet {
			allow += ", " + http.MethodHead
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !methodAllowed(r.Method, methods) {
			w.Header().Set("Allow", allow)
			s.writeError(w, r, kind, &Error{Status: http.StatusMethodNotAllowed,
				Message: fmt.Sprintf("method %s is not allowed here; use %s", r.Method, allow)})
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, kind, err)
		}
	})
}

func methodAllowed(method string, allowed []string) bool {
	for _, m := range allowed {
		if method == m || (m == http.MethodGet && method == http.MethodHead) {
			return true
		}
	}
	return false
}

// writeError logs err and sends the client its safe form. An error that is
// not an *Error is an internal error, and its text is never sent.
func (s *Site) writeError(w http.ResponseWriter, r *http.Request, kind errorKind, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Message: "internal server error", Err: err}
	}
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		e = &Error{Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("request body is larger than %d bytes", maxBytes.Limit), Err: err}
	}
	level := slog.LevelDebug
	if e.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed",
		"method", r.Method, "path", r.URL.Path, "status", e.Status, "error", err)

	if kind == jsonErrors {
		s.writeJSONError(w, r, e)
		return
	}
	s.writeHTMLError(w, r, e)
}

// withSecurity sets the security headers on every response and limits the
// size of request bodies: uploads to Options.MaxUploadBytes, others to
// Options.MaxBodyBytes.
func (s *Site) withSecurity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, sh := range securityHeaders {
			h[sh.key] = sh.value
		}
		if r.Body != nil && r.Body != http.NoBody {
			limit := s.opts.MaxBodyBytes
			if r.Method == http.MethodPost && s.opts.AllowUpload && uploadPaths[r.URL.Path] {
				limit = s.opts.MaxUploadBytes
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder records the status and size of a response for the access
// log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rec *statusRecorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *statusRecorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += n
	return n, err
}

func (rec *statusRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// withAccessLog logs one line per request: method, path, status, bytes
// and duration.
func (s *Site) withAccessLog(next http.Handler) http.Handler {
	if !s.opts.AccessLog {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
		)
	})
}
