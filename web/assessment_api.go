package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kubethreat/kubethreat/store"
)

// apiAssessmentSummary is an assessment in the API's lists.
type apiAssessmentSummary struct {
	ID            int64        `json:"id"`
	Source        string       `json:"source"`
	Kind          string       `json:"kind"`
	MatrixVersion string       `json:"matrix_version"`
	CreatedAt     time.Time    `json:"created_at"`
	Counts        store.Counts `json:"counts"`
	URL           string       `json:"url"`
	APIURL        string       `json:"api_url"`
	HistoryURL    string       `json:"history_url"`
}

// apiAssessment is one assessment with its documents. POST
// /api/v1/assessments accepts it back, for copying between servers.
type apiAssessment struct {
	apiAssessmentSummary
	Coverage json.RawMessage `json:"coverage"`
	Scan     json.RawMessage `json:"scan,omitempty"`
}

type apiAssessmentList struct {
	Assessments []apiAssessmentSummary `json:"assessments"`
	Next        string                 `json:"next,omitempty"` // the next page, if any
}

func toAPIAssessmentSummary(s store.Summary) apiAssessmentSummary {
	return apiAssessmentSummary{
		ID: s.ID, Source: s.Source, Kind: s.Kind, MatrixVersion: s.MatrixVersion,
		CreatedAt: s.CreatedAt, Counts: s.Counts,
		URL: assessmentURL(s.ID), APIURL: assessmentAPIURL(s.ID),
		HistoryURL: apiPrefix + "/assessments/history?source=" + url.QueryEscape(s.Source),
	}
}

func toAPIAssessmentSummaries(list []store.Summary) []apiAssessmentSummary {
	out := []apiAssessmentSummary{}
	for _, s := range list {
		out = append(out, toAPIAssessmentSummary(s))
	}
	return out
}

// handleAPIAssessments lists assessments (GET) or stores one (POST).
func (s *Site) handleAPIAssessments(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.handleAPIUpload(w, r)
	}
	q := r.URL.Query()
	f := store.Filter{Source: q.Get("source"), Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxLimit {
			return errBadRequest("query parameter limit must be a number from 1 to %d, not %q", store.MaxLimit, v)
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errBadRequest("query parameter offset must be a number from 0, not %q", v)
		}
		f.Offset = n
	}

	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	limit := f.Limit
	f.Limit++ // one more, to know whether a next page exists
	list, err := s.opts.Store.List(ctx, f)
	if err != nil {
		return err
	}
	out := apiAssessmentList{}
	if len(list) > limit {
		list = list[:limit]
		next := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(f.Offset + limit)}}
		if f.Source != "" {
			next.Set("source", f.Source)
		}
		out.Next = apiPrefix + "/assessments?" + next.Encode()
	}
	out.Assessments = toAPIAssessmentSummaries(list)
	return s.writeJSON(w, r, http.StatusOK, cacheRevalidate, out)
}

func (s *Site) handleAPIHistory(w http.ResponseWriter, r *http.Request) error {
	source := r.URL.Query().Get("source")
	if source == "" {
		return errBadRequest("missing query parameter source")
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	hist, err := s.opts.Store.History(ctx, source)
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return errNotFound("no assessment of source %q", source)
	}
	return s.writeJSON(w, r, http.StatusOK, cacheRevalidate, struct {
		Source      string                 `json:"source"`
		Assessments []apiAssessmentSummary `json:"assessments"`
	}{source, toAPIAssessmentSummaries(hist)})
}

// handleAPIAssessment serves one assessment with its documents, cached by
// ID like its pages.
func (s *Site) handleAPIAssessment(w http.ResponseWriter, r *http.Request) error {
	id, err := assessmentID(r)
	if err != nil {
		return err
	}
	key := pageKey{id, "api"}
	if rs, ok := s.assessments.pages.get(key); ok {
		rs.ServeHTTP(w, r)
		return nil
	}

	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	a, err := s.opts.Store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("no assessment %d", id)
	}
	if err != nil {
		return err
	}
	var doc assessmentDocument
	if err := json.Unmarshal(a.Document, &doc); err != nil {
		return err
	}
	out := apiAssessment{apiAssessmentSummary: toAPIAssessmentSummary(a.Summary), Coverage: doc.Coverage}
	if !isJSONNull(doc.Scan) {
		out.Scan = doc.Scan
	}
	body, err := marshalJSON(out)
	if err != nil {
		return err
	}
	rs := newResource(jsonType, cacheRevalidate, body)
	s.assessments.pages.add(key, rs)
	rs.ServeHTTP(w, r)
	return nil
}
