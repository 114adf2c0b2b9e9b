package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kubethreat/kubethreat/store"
)

// Sizes of the per-process assessment caches. Assessments never change
// once stored, so a cached page stays valid until it is evicted, and
// replicas that share a database can each keep their own caches.
const (
	cachedAssessments          = 16       // decoded documents
	cachedAssessmentPages      = 512      // rendered pages and API documents
	cachedAssessmentPagesBytes = 64 << 20 // their bodies and gzip variants
)

// storeTimeout bounds the store calls that a request makes, on top of the
// store's own per-query timeout.
const storeTimeout = 15 * time.Second

// assessmentCache holds decoded assessments and the pages rendered from
// them, by assessment ID.
type assessmentCache struct {
	decoded *lru[int64, *loadedAssessment]
	pages   *lru[pageKey, *resource]
}

// pageKey names one rendered page of one assessment.
type pageKey struct {
	id   int64
	page string // such as "overlay/level", "plan", "technique/MS-TA9013", "api"
}

// initAssessments prepares the caches and the upload token when a store
// is set.
func (s *Site) initAssessments() error {
	if s.opts.Store == nil {
		return nil
	}
	s.assessments = &assessmentCache{
		decoded: newLRU[int64, *loadedAssessment](cachedAssessments),
		pages: newCostLRU[pageKey](cachedAssessmentPages, cachedAssessmentPagesBytes,
			func(rs *resource) int { return len(rs.body) + len(rs.gzipBody) }),
	}
	if s.opts.AllowUpload {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		secret, err := s.opts.Store.Secret(ctx, uploadSecretName)
		if err != nil {
			return fmt.Errorf("web: reading the upload form secret: %w", err)
		}
		s.uploadToken = uploadToken(secret)
	}
	return nil
}

func (s *Site) assessmentRoutes() {
	if s.opts.Store == nil {
		return
	}
	listMethods := []string{http.MethodGet}
	if s.opts.AllowUpload {
		listMethods = append(listMethods, http.MethodPost)
	}
	s.Handle("/assessments", s.handleAssessments, listMethods...)
	s.Handle("/assessments/new", s.handleUploadForm)
	s.Handle("/assessments/history", s.handleHistory)
	s.Handle("/assessments/{id}", s.handleOverlay)
	s.Handle("/assessments/{id}/plan", s.handlePlan)
	s.Handle("/assessments/{id}/techniques/{tid}", s.handleEvidence)

	s.HandleAPI(apiPrefix+"/assessments", s.handleAPIAssessments, listMethods...)
	s.HandleAPI(apiPrefix+"/assessments/history", s.handleAPIHistory)
	s.HandleAPI(apiPrefix+"/assessments/{id}", s.handleAPIAssessment)
}

func assessmentURL(id int64) string    { return "/assessments/" + strconv.FormatInt(id, 10) }
func assessmentAPIURL(id int64) string { return apiPrefix + assessmentURL(id) }
func planURL(id int64) string          { return assessmentURL(id) + "/plan" }
func historyURL(source string) string {
	return "/assessments/history?source=" + url.QueryEscape(source)
}
func evidenceURL(id int64, techniqueID string) string {
	return assessmentURL(id) + "/techniques/" + techniqueID
}

// assessmentID reads the {id} path value: a positive decimal number.
func assessmentID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound("no assessment %q; assessment IDs are positive numbers", raw)
	}
	return id, nil
}

// loadAssessment returns a decoded assessment from the cache or the store.
func (s *Site) loadAssessment(ctx context.Context, id int64) (*loadedAssessment, error) {
	if la, ok := s.assessments.decoded.get(id); ok {
		return la, nil
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	a, err := s.opts.Store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound("no assessment %d", id)
	}
	if err != nil {
		return nil, err
	}
	la, err := s.decodeAssessment(a)
	if err != nil {
		return nil, err
	}
	s.assessments.decoded.add(id, la)
	return la, nil
}

// serveAssessmentPage serves a page of an assessment from the cache, or
// builds, renders and caches it.
func (s *Site) serveAssessmentPage(w http.ResponseWriter, r *http.Request, key pageKey, build func(*loadedAssessment) (string, page, error)) error {
	if rs, ok := s.assessments.pages.get(key); ok {
		rs.ServeHTTP(w, r)
		return nil
	}
	la, err := s.loadAssessment(r.Context(), key.id)
	if err != nil {
		return err
	}
	tmpl, p, err := build(la)
	if err != nil {
		return err
	}
	body, err := s.render(tmpl, p)
	if err != nil {
		return err
	}
	rs := newResource("text/html; charset=utf-8", cacheRevalidate, body)
	s.assessments.pages.add(key, rs)
	rs.ServeHTTP(w, r)
	return nil
}

func (s *Site) handleOverlay(w http.ResponseWriter, r *http.Request) error {
	id, err := assessmentID(r)
	if err != nil {
		return err
	}
	color := r.URL.Query().Get("color")
	switch color {
	case "", colorByLevel, colorByExposure:
	default:
		return errBadRequest("invalid color %q; use %s or %s", color, colorByLevel, colorByExposure)
	}
	return s.serveAssessmentPage(w, r, pageKey{id, "overlay/" + color}, func(la *loadedAssessment) (string, page, error) {
		v := s.overlayView(la, color)
		return "assessment", page{
			Title:       fmt.Sprintf("Assessment %d: %s", la.ID, la.Source),
			Description: "Exposure and detection coverage of an assessment on the Threat Matrix for Kubernetes.",
			Section:     "assessments",
			Canonical:   assessmentURL(la.ID),
			Data:        v,
		}, nil
	})
}

func (s *Site) handlePlan(w http.ResponseWriter, r *http.Request) error {
	id, err := assessmentID(r)
	if err != nil {
		return err
	}
	return s.serveAssessmentPage(w, r, pageKey{id, "plan"}, func(la *loadedAssessment) (string, page, error) {
		return "assessment-plan", page{
			Title:       fmt.Sprintf("Mitigation plan of assessment %d", la.ID),
			Description: "Mitigations ranked by what they would close that no detection covers.",
			Section:     "assessments",
			Canonical:   planURL(la.ID),
			Data:        s.planView(la),
		}, nil
	})
}

func (s *Site) handleEvidence(w http.ResponseWriter, r *http.Request) error {
	id, err := assessmentID(r)
	if err != nil {
		return err
	}
	tid := r.PathValue("tid")
	t, ok := s.m.Technique(tid)
	if !ok {
		if rt, retired := s.m.RetiredID(tid); retired {
			redirect(w, r, evidenceURL(id, rt.Successor))
			return nil
		}
		e := errNotFound("no technique %q", tid)
		e.Suggestions = s.m.Suggest(tid, 3)
		return e
	}
	if t.ID != tid {
		redirect(w, r, evidenceURL(id, t.ID))
		return nil
	}
	return s.serveAssessmentPage(w, r, pageKey{id, "technique/" + t.ID}, func(la *loadedAssessment) (string, page, error) {
		return "assessment-technique", page{
			Title:       fmt.Sprintf("%s %s in assessment %d", t.ID, t.Name, la.ID),
			Description: "The evidence behind one technique's exposure, mitigations and detections.",
			Section:     "assessments",
			Canonical:   evidenceURL(la.ID, t.ID),
			Data:        s.evidenceView(la, t),
		}, nil
	})
}

// listPageSize is the number of assessments per page of the list.
const listPageSize = 50

func (s *Site) handleAssessments(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.handleUpload(w, r)
	}
	q := r.URL.Query()
	source := q.Get("source")
	pageNum := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return errBadRequest("invalid page %q; use a number from 1 to 10000", v)
		}
		pageNum = n
	}

	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	// One more than a page, to know whether a next page exists.
	list, err := s.opts.Store.List(ctx, store.Filter{Source: source, Limit: listPageSize + 1, Offset: (pageNum - 1) * listPageSize})
	if err != nil {
		return err
	}
	v := listView{Source: source, AllowUpload: s.opts.AllowUpload, Page: pageNum}
	if len(list) > listPageSize {
		list = list[:listPageSize]
		v.NextURL = listURL(source, pageNum+1)
	}
	if pageNum > 1 {
		v.PrevURL = listURL(source, pageNum-1)
	}
	v.Items = list
	title := "Assessments"
	if source != "" {
		title = "Assessments of " + source
	}
	return s.renderTo(w, r, http.StatusOK, "assessments", page{
		Title:       title,
		Description: "Stored assessments, newest first.",
		Section:     "assessments",
		Data:        v,
	})
}

// listView is the data of the assessment list.
type listView struct {
	Items            []store.Summary
	Source           string // the source filter, if any
	Page             int
	PrevURL, NextURL string
	AllowUpload      bool
}

func listURL(source string, pageNum int) string {
	q := url.Values{}
	if source != "" {
		q.Set("source", source)
	}
	if pageNum > 1 {
		q.Set("page", strconv.Itoa(pageNum))
	}
	if len(q) == 0 {
		return "/assessments"
	}
	return "/assessments?" + q.Encode()
}

func (s *Site) handleHistory(w http.ResponseWriter, r *http.Request) error {
	source := r.URL.Query().Get("source")
	if source == "" {
		return errBadRequest("missing query parameter source; choose a source in the list of assessments")
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
	return s.renderTo(w, r, http.StatusOK, "assessment-history", page{
		Title:       "History of " + source,
		Description: "Exposure and detection coverage of one source over time.",
		Section:     "assessments",
		Data:        newHistoryView(source, hist),
	})
}
