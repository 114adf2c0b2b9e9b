package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// uploadSecretName is the store secret that the upload form's CSRF token
// is derived from. Replicas that share a database share the secret, so a
// form served by one replica can be posted to another.
const uploadSecretName = "upload-form"

// uploadToken derives the upload form's CSRF token from the secret.
func uploadToken(secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("kubethreat upload form, version 1"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// crossOrigin rejects unsafe requests that a browser marks as coming from
// another origin, through Sec-Fetch-Site or Origin. Requests without
// either header, such as those of curl or a CronJob, pass.
var crossOrigin = http.NewCrossOriginProtection()

// uploadPaths are the POST targets whose body limit is
// Options.MaxUploadBytes instead of Options.MaxBodyBytes.
var uploadPaths = map[string]bool{"/assessments": true, apiPrefix + "/assessments": true}

// Form field names of the upload form.
const (
	fieldToken    = "csrf_token"
	fieldSource   = "source"
	fieldDocument = "document"
	fieldScan     = "scan"
)

// maxFieldBytes limits the text fields of the upload form.
const maxFieldBytes = 4 << 10

// uploadView is the data of the upload form.
type uploadView struct {
	Token    string
	MaxBytes string // the size limit, for people
	Error    string // the reason the last upload was rejected
	Source   string // the source of the rejected upload, to fill in again
}

func (s *Site) handleUploadForm(w http.ResponseWriter, r *http.Request) error {
	if !s.opts.AllowUpload {
		return errNotFound("uploads are disabled on this server; start kubethreat serve with --allow-upload to accept them")
	}
	return s.renderUploadForm(w, r, http.StatusOK, uploadView{})
}

func (s *Site) renderUploadForm(w http.ResponseWriter, r *http.Request, status int, v uploadView) error {
	v.Token = s.uploadToken
	v.MaxBytes = byteSize(s.opts.MaxUploadBytes)
	return s.renderTo(w, r, status, "assessment-new", page{
		Title:       "Upload an assessment",
		Description: "Upload a scan result or a coverage document to show it on the matrix.",
		Section:     "assessments",
		Data:        v,
	})
}

// uploadForm is the content of a posted upload form.
type uploadForm struct {
	token, source  string
	document, scan []byte
}

// handleUpload stores an assessment posted from the upload form and
// redirects to its page. Only POST reaches it, and only when uploads are
// allowed.
func (s *Site) handleUpload(w http.ResponseWriter, r *http.Request) error {
	if err := crossOrigin.Check(r); err != nil {
		return &Error{Status: http.StatusForbidden, Message: "cross-origin uploads are rejected; upload from this site's own form", Err: err}
	}
	if r.ContentLength > s.opts.MaxUploadBytes {
		return &http.MaxBytesError{Limit: s.opts.MaxUploadBytes}
	}
	form, err := readUploadForm(r)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(form.token), []byte(s.uploadToken)) != 1 {
		return &Error{Status: http.StatusForbidden,
			Message: "the upload form's token is missing or wrong; reload the form and upload again"}
	}
	if len(form.document) == 0 {
		return s.rejectUpload(w, r, form, errors.New("choose a file to upload"))
	}

	id, err := s.Import(r.Context(), Upload{Source: strings.TrimSpace(form.source), Document: form.document, Scan: form.scan})
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusBadRequest {
		return s.rejectUpload(w, r, form, e)
	}
	if err != nil {
		return err
	}
	s.log.Info("assessment uploaded", "id", id, "bytes", len(form.document)+len(form.scan))
	http.Redirect(w, r, assessmentURL(id), http.StatusSeeOther)
	return nil
}

// rejectUpload shows the form again with the reason, with status 400.
func (s *Site) rejectUpload(w http.ResponseWriter, r *http.Request, form uploadForm, err error) error {
	msg := err.Error()
	var e *Error
	if errors.As(err, &e) {
		msg = e.Message
	}
	s.log.Info("upload rejected", "reason", msg)
	return s.renderUploadForm(w, r, http.StatusBadRequest, uploadView{Error: sentence(msg), Source: form.source})
}

// readUploadForm reads the multipart body part by part, so that files are
// read once, into memory, within the body limit that withSecurity set.
func readUploadForm(r *http.Request) (uploadForm, error) {
	var form uploadForm
	mr, err := r.MultipartReader()
	if err != nil {
		return form, &Error{Status: http.StatusUnsupportedMediaType,
			Message: "the upload must be multipart/form-data, as the upload form sends it", Err: err}
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, uploadBodyError(err)
		}
		name := part.FormName()
		if seen[name] {
			return form, errBadRequest("the form field %q appears twice", name)
		}
		seen[name] = true
		switch name {
		case fieldToken, fieldSource:
			data, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return form, uploadBodyError(err)
			}
			if len(data) > maxFieldBytes {
				return form, errBadRequest("the form field %q is longer than %d bytes", name, maxFieldBytes)
			}
			if name == fieldToken {
				form.token = string(data)
			} else {
				form.source = string(data)
			}
		case fieldDocument, fieldScan:
			data, err := io.ReadAll(part)
			if err != nil {
				return form, uploadBodyError(err)
			}
			if name == fieldDocument {
				form.document = data
			} else {
				form.scan = data
			}
		default:
			return form, errBadRequest("unknown form field %q; the form sends %s, %s, %s and %s", name, fieldToken, fieldSource, fieldDocument, fieldScan)
		}
	}
}

// uploadBodyError keeps a body that is too large a 413, and makes any
// other read error a 400.
func uploadBodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return &Error{Status: http.StatusBadRequest, Message: "the upload is not a valid multipart form", Err: err}
}

// handleAPIUpload stores an assessment posted as JSON. The JSON content
// type is required: a browser cannot send it to another site without a
// CORS preflight, which this server never allows.
func (s *Site) handleAPIUpload(w http.ResponseWriter, r *http.Request) error {
	if err := crossOrigin.Check(r); err != nil {
		return &Error{Status: http.StatusForbidden, Message: "cross-origin uploads are rejected", Err: err}
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" {
		return &Error{Status: http.StatusUnsupportedMediaType,
			Message: fmt.Sprintf("the upload's Content-Type is %q; send application/json", r.Header.Get("Content-Type"))}
	}
	if r.ContentLength > s.opts.MaxUploadBytes {
		return &http.MaxBytesError{Limit: s.opts.MaxUploadBytes}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return uploadBodyError(err)
	}
	source := r.URL.Query().Get("source")
	id, err := s.Import(r.Context(), Upload{Source: source, Document: data})
	if err != nil {
		return err
	}
	s.log.Info("assessment uploaded", "id", id, "bytes", len(data))

	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	a, err := s.opts.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", assessmentAPIURL(id))
	return s.writeJSON(w, r, http.StatusCreated, cacheNone, toAPIAssessmentSummary(a.Summary))
}

// byteSize formats a size in bytes for people: "10 MiB", "512 KiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
