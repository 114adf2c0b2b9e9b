package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/report"
	"github.com/kubethreat/kubethreat/store"
)

// Kinds of stored assessments: what was uploaded.
const (
	kindScan     = "scan"     // a scan result; coverage is exposure only
	kindCoverage = "coverage" // a coverage document, maybe with its scan result
)

// DefaultMaxUploadBytes is the upload size limit when
// Options.MaxUploadBytes is zero.
const DefaultMaxUploadBytes = 10 << 20

// Upload is an assessment to store: a scan result (kubethreat scan -o
// json), a coverage document (kubethreat coverage -o json), or an
// assessment document as GET /api/v1/assessments/{id} returns it.
type Upload struct {
	Source   string // the cluster or input it is about; derived when empty
	Document []byte
	Scan     []byte // the scan result behind a coverage document, optional
}

// assessmentDocument is the JSON document stored for an assessment. It
// always has the coverage, which is computed from the scan result for a
// scan upload. It has the scan result when one was uploaded, for the
// findings.
type assessmentDocument struct {
	Kind     string          `json:"kind"`
	Coverage json.RawMessage `json:"coverage"`
	Scan     json.RawMessage `json:"scan,omitempty"`
}

// assessmentProbe is the part of an assessment document that
// prepareAssessment decodes to find its coverage and scan result.
type assessmentProbe struct {
	Coverage json.RawMessage `json:"coverage"`
	Scan     json.RawMessage `json:"scan"`
	Source   string          `json:"source"`
	Kind     string          `json:"kind"`
}

// uploadHint is the end of an upload error message that names the
// documents an upload accepts.
const uploadHint = "upload a scan result (kubethreat scan -o json) or a coverage document (kubethreat coverage -o json)"

// Import validates an upload and stores it. It returns the assessment's
// ID, or an *Error with status 400 whose message names the problem.
func (s *Site) Import(ctx context.Context, u Upload) (int64, error) {
	if s.opts.Store == nil {
		return 0, errors.New("web: Import needs Options.Store")
	}
	a, err := s.prepareAssessment(u, time.Now())
	if err != nil {
		return 0, err
	}
	return s.opts.Store.Put(ctx, a)
}

// prepareAssessment turns an upload into the assessment to store. It
// decides the kind of the upload with report.IdentifyDocument, the check
// that report.ReadJSON and assess.ReadJSON also make.
func (s *Site) prepareAssessment(u Upload, now time.Time) (store.Assessment, error) {
	if !json.Valid(u.Document) {
		var v any
		err := json.Unmarshal(u.Document, &v)
		return store.Assessment{}, uploadError("the file is not valid JSON: %v", err)
	}
	kind, err := report.IdentifyDocument(u.Document)
	if err != nil {
		return store.Assessment{}, uploadError("the file is %v; %s", err, uploadHint)
	}
	main, scanData := u.Document, u.Scan
	if kind == report.AssessmentDocument {
		// An assessment document: its parts are the uploads.
		if len(u.Scan) > 0 {
			return store.Assessment{}, uploadError("an assessment document contains its scan result; upload it without a separate scan result")
		}
		var probe assessmentProbe
		if err := json.Unmarshal(u.Document, &probe); err != nil {
			return store.Assessment{}, uploadError("invalid assessment document: %v", report.DescribeJSONError(err))
		}
		part, want := "coverage", report.CoverageDocument
		main, scanData = probe.Coverage, probe.Scan
		if isJSONNull(main) || (probe.Kind == kindScan && !isJSONNull(probe.Scan)) {
			// A scan upload's coverage is computed again from its scan.
			part, want = "scan", report.ScanResultDocument
			main, scanData = probe.Scan, nil
		}
		if isJSONNull(main) {
			return store.Assessment{}, uploadError("the assessment document has neither coverage nor scan; upload an assessment document as GET /api/v1/assessments/{id} returns it")
		}
		if u.Source == "" {
			u.Source = probe.Source
		}
		if kind, err = report.IdentifyDocument(main); err != nil {
			return store.Assessment{}, uploadError("the assessment document's %s is %v", part, err)
		}
		if kind != want {
			return store.Assessment{}, uploadError("the assessment document's %s is %s, not %s", part, kind, want)
		}
	}

	switch kind {
	case report.ScanResultDocument:
		if len(scanData) > 0 {
			return store.Assessment{}, uploadError("the file is a scan result, so it takes no second scan result; upload a coverage document with its scan result instead")
		}
		return s.prepareScan(u.Source, main, now)
	case report.CoverageDocument:
		return s.prepareCoverage(u.Source, main, scanData, now)
	case report.UnknownDocument:
		return store.Assessment{}, uploadError("the file is neither a kubethreat scan result (kubethreat scan -o json, with schemaVersion) " +
			"nor a coverage document (kubethreat coverage -o json, with matrixVersion)")
	}
	return store.Assessment{}, uploadError("the file is %s, not a scan result or coverage document; %s", kind, uploadHint)
}

func isJSONNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// prepareScan computes exposure-only coverage from a scan result.
func (s *Site) prepareScan(source string, data []byte, now time.Time) (store.Assessment, error) {
	scan, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return store.Assessment{}, uploadError("invalid scan result: %v", err)
	}
	cov := assess.Compute(assess.Input{Matrix: s.m, Scan: scan, Checks: s.opts.Checks})
	return s.newAssessment(kindScan, source, cov, scan, now)
}

// prepareCoverage reads a coverage document and the scan result it was
// computed from, if given, which must be the same scan.
func (s *Site) prepareCoverage(source string, data, scanData []byte, now time.Time) (store.Assessment, error) {
	cov, err := assess.ReadJSON(bytes.NewReader(data), s.m)
	if err != nil {
		return store.Assessment{}, uploadError("invalid coverage document: %v", err)
	}
	var scan *report.ScanDocument
	if len(scanData) > 0 && !isJSONNull(scanData) {
		if scan, err = report.ReadJSON(bytes.NewReader(scanData)); err != nil {
			return store.Assessment{}, uploadError("invalid scan result: %v", err)
		}
		if !cov.Scanned {
			return store.Assessment{}, uploadError("the coverage document was computed without a scan result, so a scan result cannot belong to it")
		}
		if !slices.Equal(cov.ScanInputs, scan.Inputs) {
			return store.Assessment{}, uploadError("the scan result's inputs %q differ from the coverage document's %q; upload the scan result that the coverage was computed from",
				scan.Inputs, cov.ScanInputs)
		}
	}
	return s.newAssessment(kindCoverage, source, cov, scan, now)
}

// newAssessment encodes the coverage and scan result into the stored
// document. The coverage is read back with assess.ReadJSON, so that a scan
// upload is validated as strictly as a coverage upload.
func (s *Site) newAssessment(kind, source string, cov *assess.Coverage, scan *report.ScanDocument, now time.Time) (store.Assessment, error) {
	var covJSON bytes.Buffer
	if err := assess.WriteJSON(&covJSON, cov); err != nil {
		return store.Assessment{}, fmt.Errorf("encoding the coverage: %w", err)
	}
	cov, err := assess.ReadJSON(bytes.NewReader(covJSON.Bytes()), s.m)
	if err != nil {
		return store.Assessment{}, uploadError("invalid scan result: %v", err)
	}

	doc := assessmentDocument{Kind: kind, Coverage: covJSON.Bytes()}
	created := now
	if scan != nil {
		if doc.Scan, err = json.Marshal(scan); err != nil {
			return store.Assessment{}, fmt.Errorf("encoding the scan result: %w", err)
		}
		// The scan's own time orders the history, unless it is unset or
		// in the future.
		if !scan.StartedAt.IsZero() && !scan.StartedAt.After(now) {
			created = scan.StartedAt
		}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return store.Assessment{}, fmt.Errorf("encoding the assessment: %w", err)
	}

	if source == "" {
		source = deriveSource(cov, scan)
	}
	if err := validateSource(source); err != nil {
		return store.Assessment{}, err
	}
	return store.Assessment{
		Summary: store.Summary{
			Source: source, Kind: kind, MatrixVersion: cov.MatrixVersion,
			CreatedAt: created.UTC(), Counts: countCoverage(cov),
		},
		Document: body,
	}, nil
}

// deriveSource names an assessment that was uploaded without a source: the
// cluster its findings came from, else its inputs.
func deriveSource(cov *assess.Coverage, scan *report.ScanDocument) string {
	inputs := cov.ScanInputs
	if scan != nil {
		clusters := map[string]bool{}
		for _, f := range scan.Findings {
			if f.Location.Cluster != "" {
				clusters[f.Location.Cluster] = true
			}
		}
		if len(clusters) == 1 {
			for c := range clusters {
				return truncateSource(c)
			}
		}
		inputs = scan.Inputs
	}
	if len(inputs) == 1 {
		if ctx, ok := strings.CutPrefix(inputs[0], "cluster "); ok && ctx != "" {
			return truncateSource(ctx)
		}
	}
	if len(inputs) > 0 {
		return truncateSource(strings.Join(inputs, ", "))
	}
	return "unnamed"
}

// truncateSource cuts a derived source to store.MaxSourceLength bytes at a
// rune boundary and replaces control characters.
func truncateSource(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	for len(s) > store.MaxSourceLength {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimSpace(s)
}

// validateSource checks a source that a client gave.
func validateSource(source string) error {
	switch {
	case strings.TrimSpace(source) == "":
		return uploadError("the source name is empty")
	case len(source) > store.MaxSourceLength:
		return uploadError("the source name is longer than %d bytes", store.MaxSourceLength)
	case !utf8.ValidString(source):
		return uploadError("the source name is not valid UTF-8")
	case strings.IndexFunc(source, unicode.IsControl) >= 0:
		return uploadError("the source name contains a control character")
	}
	return nil
}

// countCoverage summarizes coverage for the store's summary columns.
func countCoverage(cov *assess.Coverage) store.Counts {
	var c store.Counts
	for _, tc := range cov.Techniques {
		c.Techniques++
		switch tc.Exposure {
		case report.Exposed:
			c.Exposed++
		case report.NotObserved:
			c.NotObserved++
		case report.NotAssessable:
			c.NotAssessable++
		default:
			c.NotEvaluated++
		}
		switch tc.Level {
		case assess.LevelCovered:
			c.Covered++
		case assess.LevelPartial:
			c.Partial++
		default:
			c.None++
		}
	}
	return c
}

// uploadError returns a 400 error whose message names what to fix in the
// upload.
func uploadError(format string, args ...any) *Error {
	return &Error{Status: 400, Message: fmt.Sprintf(format, args...)}
}

// loadedAssessment is a stored assessment, decoded for its pages.
type loadedAssessment struct {
	store.Summary
	Cov  *assess.Coverage
	Scan *report.ScanDocument // nil when only a coverage document was uploaded

	checks map[string]report.CheckInfo // the scan's checks by ID
}

// decodeAssessment decodes a stored assessment's document.
func (s *Site) decodeAssessment(a *store.Assessment) (*loadedAssessment, error) {
	var doc assessmentDocument
	if err := json.Unmarshal(a.Document, &doc); err != nil {
		return nil, fmt.Errorf("decoding assessment %d: %w", a.ID, err)
	}
	cov, err := assess.ReadJSON(bytes.NewReader(doc.Coverage), s.m)
	if err != nil {
		// A knowledge base that dropped an ID since the assessment was
		// stored lands here.
		return nil, &Error{Status: 500, Message: fmt.Sprintf("assessment %d cannot be shown with matrix %s", a.ID, s.m.Version), Err: err}
	}
	la := &loadedAssessment{Summary: a.Summary, Cov: cov, checks: map[string]report.CheckInfo{}}
	if !isJSONNull(doc.Scan) {
		if la.Scan, err = report.ReadJSON(bytes.NewReader(doc.Scan)); err != nil {
			return nil, fmt.Errorf("decoding the scan result of assessment %d: %w", a.ID, err)
		}
		for _, ci := range la.Scan.Checks {
			la.checks[ci.ID] = ci
		}
		// The pages show failing and suppressed findings only; passing
		// ones, usually most of a scan, need not stay in the cache.
		kept := la.Scan.Findings[:0]
		for _, f := range la.Scan.Findings {
			if f.Status == check.Fail || f.Status == check.Suppressed {
				kept = append(kept, f)
			}
		}
		la.Scan.Findings = slices.Clip(kept)
	}
	return la, nil
}

// hasDetections reports whether the assessment has imported rules or any
// detection, so that colouring cells by detection level shows something.
func (la *loadedAssessment) hasDetections() bool {
	for _, tc := range la.Cov.Techniques {
		if len(tc.Detections) > 0 || tc.Disabled > 0 {
			return true
		}
	}
	return la.Cov.Rules.Rules > 0
}

// findings returns the scan's findings about a technique with one of the
// statuses, in the scan's order.
func (la *loadedAssessment) findings(techniqueID string, statuses ...check.Status) []report.Finding {
	if la.Scan == nil {
		return nil
	}
	var out []report.Finding
	for _, f := range la.Scan.Findings {
		if slices.Contains(statuses, f.Status) && slices.Contains(f.Techniques, techniqueID) {
			out = append(out, f)
		}
	}
	return out
}

// exposureChecks returns the IDs of the checks that decide a technique's
// exposure in the scan. Prevention checks, which report on mitigations,
// are not among them.
func (la *loadedAssessment) exposureChecks(techniqueID string) map[string]bool {
	out := map[string]bool{}
	if la.Scan == nil {
		return out
	}
	for _, ts := range la.Scan.Techniques {
		if ts.ID == techniqueID {
			for _, id := range ts.Checks {
				out[id] = true
			}
		}
	}
	return out
}
