package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() { writers["json"] = writeJSON }

// SchemaVersion is the version of the JSON scan document that this package
// writes and reads. docs/schema/scan-v1.schema.json describes it.
const SchemaVersion = "1"

// ScanDocument is the JSON form of a scan: what the json writer emits and
// ReadJSON returns. Its fields are kept apart from the check and source
// types, so that a change there cannot change the document by accident.
type ScanDocument struct {
	SchemaVersion string             `json:"schemaVersion"`
	Tool          Tool               `json:"tool"`
	StartedAt     time.Time          `json:"startedAt"`
	DurationMs    int64              `json:"durationMs"`
	Inputs        []string           `json:"inputs"`
	Cluster       *check.ClusterInfo `json:"cluster,omitempty"` // only for live-cluster scans
	Summary       Summary            `json:"summary"`
	Techniques    []TechniqueStatus  `json:"techniques"` // by ID
	Checks        []CheckInfo        `json:"checks"`     // by ID
	Findings      []Finding          `json:"findings"`   // every status, by location
	Skipped       map[string]int     `json:"skipped"`
	Diagnostics   []Diagnostic       `json:"diagnostics"`
	Suppressions  []SuppressionNote  `json:"suppressions"`
}

// CheckInfo is the metadata and outcome counts of a check that ran.
type CheckInfo struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Severity    check.Severity `json:"severity"`
	Techniques  []string       `json:"techniques"`
	Mitigations []string       `json:"mitigations"`
	PSS         string         `json:"pss,omitempty"`
	Since       string         `json:"since,omitempty"`
	Rationale   string         `json:"rationale,omitempty"`
	Remediation string         `json:"remediation,omitempty"`
	Stats       CheckStats     `json:"stats"`
}

// CheckStats counts the outcomes of one check.
type CheckStats struct {
	Evaluated     int `json:"evaluated"`
	Failed        int `json:"failed"`
	Passed        int `json:"passed"`
	NotEvaluated  int `json:"notEvaluated"`
	NotApplicable int `json:"notApplicable"`
	Suppressed    int `json:"suppressed"`
}

// Finding is one outcome of a check on one object.
type Finding struct {
	Check       string           `json:"check"`
	Status      check.Status     `json:"status"`
	Severity    check.Severity   `json:"severity"`
	Techniques  []string         `json:"techniques"`
	Mitigations []string         `json:"mitigations"`
	Object      ObjectRef        `json:"object"`
	FieldPath   string           `json:"fieldPath,omitempty"`
	Location    Location         `json:"location"`
	Template    string           `json:"template,omitempty"`
	Message     string           `json:"message"`
	Remediation string           `json:"remediation,omitempty"`
	Evidence    string           `json:"evidence,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	Suppression *SuppressionInfo `json:"suppression,omitempty"`
	Guidance    []check.Guidance `json:"guidance,omitempty"` // live scans of AKS, EKS or GKE
}

// ObjectRef identifies a Kubernetes object.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// Location is the place a finding's object or field was read from: a file
// position, a cluster, or neither.
type Location struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Cluster string `json:"cluster,omitempty"`
}

// SuppressionInfo records why a finding was suppressed.
type SuppressionInfo struct {
	Source  string `json:"source"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// writeJSON writes the scan as an indented ScanDocument. The output is
// byte for byte what encoding/json writes for the whole document with a
// two-space indent, but the findings, which make up nearly all of a large
// report, are encoded in parallel, a chunk at a time, and streamed, so that
// the report never sits in memory whole.
func writeJSON(w io.Writer, s *Scan) error {
	if err := validate(s); err != nil {
		return err
	}
	m, err := knowledgeBase(s)
	if err != nil {
		return err
	}

	doc := newScanHead(s, toolInfo(s, m))
	bw := bufio.NewWriterSize(w, 64<<10)
	jw := &jsonWriter{w: bw}
	jw.raw("{")
	jw.field("schemaVersion", doc.SchemaVersion)
	jw.field("tool", doc.Tool)
	jw.field("startedAt", doc.StartedAt)
	jw.field("durationMs", doc.DurationMs)
	jw.field("inputs", doc.Inputs)
	if doc.Cluster != nil {
		jw.field("cluster", doc.Cluster)
	}
	jw.field("summary", doc.Summary)
	jw.field("techniques", doc.Techniques)
	jw.field("checks", doc.Checks)
	jw.key("findings")
	jw.findings(sortedFindings(s))
	jw.field("skipped", doc.Skipped)
	jw.field("diagnostics", doc.Diagnostics)
	jw.field("suppressions", doc.Suppressions)
	jw.raw("\n}\n")
	if jw.err != nil {
		return jw.err
	}
	return bw.Flush()
}

// jsonWriter writes the members of the top-level JSON object one at a
// time, in the layout of json.Encoder with SetIndent("", "  ") and HTML
// escaping off. It keeps the first error.
type jsonWriter struct {
	w      *bufio.Writer
	err    error
	fields int
}

func (jw *jsonWriter) raw(text string) {
	if jw.err == nil {
		_, jw.err = jw.w.WriteString(text)
	}
}

func (jw *jsonWriter) bytes(b []byte) {
	if jw.err == nil {
		_, jw.err = jw.w.Write(b)
	}
}

// key starts a member of the top-level object.
func (jw *jsonWriter) key(name string) {
	if jw.fields > 0 {
		jw.raw(",")
	}
	jw.fields++
	jw.raw("\n  \"" + name + "\": ")
}

// field writes a member whose value sits one level deep.
func (jw *jsonWriter) field(name string, v any) {
	jw.key(name)
	if jw.err != nil {
		return
	}
	b, err := encodeIndented(v, "  ")
	if err != nil {
		jw.err = err
		return
	}
	jw.bytes(b)
}

// findingChunk is the number of findings a worker encodes at a time.
const findingChunk = 512

// findings writes the findings array, two levels deep. Workers encode
// chunks of findings in parallel; the chunks are written in order, a
// window of them at a time, so memory stays bounded by the window.
func (jw *jsonWriter) findings(fs []*check.Finding) {
	if len(fs) == 0 {
		jw.raw("[]")
		return
	}
	jw.raw("[")
	workers := max(1, runtime.GOMAXPROCS(0))
	chunks := (len(fs) + findingChunk - 1) / findingChunk
	window := make([][]byte, 4*workers)
	for first := 0; first < chunks && jw.err == nil; first += len(window) {
		n := min(len(window), chunks-first)
		errs := make([]error, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(workers, n) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					lo := (first + i) * findingChunk
					hi := min(lo+findingChunk, len(fs))
					window[i], errs[i] = encodeFindings(window[i][:0], fs[lo:hi], lo == 0)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			jw.err = err
			return
		}
		for _, b := range window[:n] {
			jw.bytes(b)
		}
	}
	jw.raw("\n  ]")
}

// encodeFindings appends the array elements for fs to buf, each on a new
// line and indented two levels, with a comma before each one unless first
// is set and it is the first.
func encodeFindings(buf []byte, fs []*check.Finding, first bool) ([]byte, error) {
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	for i, f := range fs {
		if i > 0 || !first {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    "...)
		var ok bool
		if buf, ok = appendFinding(buf, f); ok {
			continue
		}
		one.Reset()
		if err := enc.Encode(findingRecord(f)); err != nil {
			return buf, err
		}
		buf = append(buf, bytes.TrimSuffix(one.Bytes(), []byte("\n"))...)
	}
	return buf, nil
}

// encodeIndented encodes v as encoding/json does inside a document
// indented by two spaces, with prefix before every line but the first.
func encodeIndented(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// NewScanDocument converts a scan to its JSON document with the given tool
// description.
func NewScanDocument(s *Scan, tool Tool) *ScanDocument {
	doc := newScanHead(s, tool)
	doc.Findings = []Finding{}
	for _, f := range sortedFindings(s) {
		doc.Findings = append(doc.Findings, findingRecord(f))
	}
	return doc
}

// newScanHead converts everything of a scan but its findings.
func newScanHead(s *Scan, tool Tool) *ScanDocument {
	doc := &ScanDocument{
		SchemaVersion: SchemaVersion,
		Tool:          tool,
		StartedAt:     s.StartedAt.UTC(),
		DurationMs:    s.Duration.Milliseconds(),
		Inputs:        orEmpty(s.Inputs),
		Cluster:       s.Cluster,
		Summary:       Summarize(s),
		Techniques:    sortedTechniques(s.Techniques),
		Skipped:       map[string]int{},
		Diagnostics:   orEmpty(sortedDiagnostics(s.Diagnostics)),
		Suppressions:  orEmpty(sortedSuppressionNotes(s.Suppressions)),
	}
	for k, v := range s.Skipped {
		doc.Skipped[k] = v
	}
	for _, c := range sortedChecks(s) {
		doc.Checks = append(doc.Checks, checkInfo(c, s.Result.Stats[c.ID]))
	}
	doc.Checks = orEmpty(doc.Checks)
	return doc
}

func checkInfo(c *check.Check, st check.Stats) CheckInfo {
	return CheckInfo{
		ID: c.ID, Title: c.Title, Severity: c.Severity,
		Techniques: orEmpty(slices.Clone(c.Techniques)), Mitigations: orEmpty(slices.Clone(c.Mitigations)),
		PSS: c.PSS, Since: c.Since, Rationale: c.Rationale, Remediation: c.Remediation,
		Stats: CheckStats(st),
	}
}

func findingRecord(f *check.Finding) Finding {
	out := Finding{
		Check: f.Check, Status: f.Status, Severity: f.Severity,
		Techniques: orEmpty(slices.Clone(f.Techniques)), Mitigations: orEmpty(slices.Clone(f.Mitigations)),
		Object:    ObjectRef(f.Object),
		FieldPath: f.FieldPath,
		Location:  Location(f.Location),
		Template:  f.Template, Message: f.Message, Remediation: f.Remediation,
		Evidence: f.Evidence, Reason: f.Reason,
	}
	if f.Suppression != nil {
		out.Suppression = &SuppressionInfo{Source: f.Suppression.Source, Reason: f.Suppression.Reason, Expires: f.Suppression.Expires}
	}
	out.Guidance = slices.Clone(f.Guidance)
	return out
}

// sortedTechniques returns the technique statuses by ID, with every list
// present.
func sortedTechniques(ts []TechniqueStatus) []TechniqueStatus {
	out := make([]TechniqueStatus, 0, len(ts))
	for _, t := range ts {
		t.Tactics = orEmpty(slices.Clone(t.Tactics))
		t.Checks = orEmpty(slices.Clone(t.Checks))
		out = append(out, t)
	}
	slices.SortStableFunc(out, func(a, b TechniqueStatus) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// orEmpty returns an empty slice for nil, so that JSON shows [] and not
// null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SchemaVersionError reports a scan document of a schema version that this
// package cannot read.
type SchemaVersionError struct {
	Version string // "" when the document has no schemaVersion
}

func (e *SchemaVersionError) Error() string {
	if e.Version == "" {
		return "the document has no schemaVersion, so it is not a kubethreat scan result; write one with kubethreat scan -o json"
	}
	return fmt.Sprintf("unsupported scan result schemaVersion %q: this kubethreat reads version %q; rerun the scan with this kubethreat or use a kubethreat that reads version %q",
		e.Version, SchemaVersion, e.Version)
}

// ReadJSON reads a scan document written by the json writer. It rejects a
// document of another schema version with a *SchemaVersionError, and one
// whose findings or checks are incomplete with an error that lists every
// problem. Fields it does not know are ignored.
func ReadJSON(r io.Reader) (*ScanDocument, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the scan result: %w", err)
	}

	var probe struct {
		SchemaVersion json.RawMessage `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("reading the scan result: invalid JSON: %w", err)
	}
	if probe.SchemaVersion == nil {
		return nil, &SchemaVersionError{}
	}
	var version string
	if err := json.Unmarshal(probe.SchemaVersion, &version); err != nil {
		return nil, fmt.Errorf("reading the scan result: schemaVersion must be a string such as %q, not %s", SchemaVersion, probe.SchemaVersion)
	}
	if version != SchemaVersion {
		return nil, &SchemaVersionError{Version: version}
	}

	var doc ScanDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading the scan result: %w", err)
	}
	if err := doc.validate(); err != nil {
		return nil, fmt.Errorf("reading the scan result: %w", err)
	}
	return &doc, nil
}

var knownStatuses = []check.Status{check.Fail, check.Pass, check.NotEvaluated, check.NotApplicable, check.Suppressed}

// validate returns every problem that would make the document mislead a
// reader: a finding without a check or with an unknown status, or a check
// without an ID.
func (d *ScanDocument) validate() error {
	var errs []error
	for i, c := range d.Checks {
		if c.ID == "" {
			errs = append(errs, fmt.Errorf("checks[%d]: id is missing", i))
		}
	}
	for i, f := range d.Findings {
		if f.Check == "" {
			errs = append(errs, fmt.Errorf("findings[%d]: check is missing", i))
		}
		if !slices.Contains(knownStatuses, f.Status) {
			errs = append(errs, fmt.Errorf("findings[%d]: invalid status %q; want one of fail, pass, not_evaluated, not_applicable, suppressed", i, f.Status))
		}
		if f.Status == check.Suppressed && f.Suppression == nil {
			errs = append(errs, fmt.Errorf("findings[%d]: status is suppressed but suppression is missing", i))
		}
	}
	return errors.Join(errs...)
}

// CheckResult converts the document back to the engine's result, for
// commands that read a saved scan. The checks carry their metadata but no
// evaluation functions.
func (d *ScanDocument) CheckResult() *check.Result {
	res := &check.Result{Findings: []check.Finding{}, Stats: map[string]check.Stats{}}
	for _, c := range d.Checks {
		res.Checks = append(res.Checks, &check.Check{
			ID: c.ID, Title: c.Title, Severity: c.Severity,
			Techniques: c.Techniques, Mitigations: c.Mitigations,
			PSS: c.PSS, Since: c.Since, Rationale: c.Rationale, Remediation: c.Remediation,
		})
		res.Stats[c.ID] = check.Stats(c.Stats)
	}
	for _, f := range d.Findings {
		cf := check.Finding{
			Check: f.Check, Status: f.Status, Severity: f.Severity,
			Techniques: f.Techniques, Mitigations: f.Mitigations,
			Object:    source.Ref(f.Object),
			FieldPath: f.FieldPath,
			Location:  source.Location(f.Location),
			Template:  f.Template, Message: f.Message, Remediation: f.Remediation,
			Evidence: f.Evidence, Reason: f.Reason, Guidance: f.Guidance,
		}
		if f.Suppression != nil {
			cf.Suppression = &check.Suppression{Source: f.Suppression.Source, Reason: f.Suppression.Reason, Expires: f.Suppression.Expires}
		}
		res.Findings = append(res.Findings, cf)
	}
	return res
}
