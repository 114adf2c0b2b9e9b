package report

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
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

// writeJSON writes the scan as an indented ScanDocument, byte for byte as
// encoding/json would with a two-space indent. The findings make up nearly
// all of a large report, so they are encoded in parallel, a chunk at a
// time, and streamed. The report never sits in memory whole.
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
// chunks of findings in parallel, and the chunks are written in order, a
// window of them at a time, so that memory is bounded by the window.
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
// document that is another kind of JSON, such as a knowledge-base export or
// a coverage document, with a one-line *NotScanResultError, and a document
// of another schema version with a *SchemaVersionError. A document that
// lacks a member every scan result has, or whose findings, checks or
// techniques are incomplete, is rejected with an error that lists every
// problem. Fields it does not know are ignored.
func ReadJSON(r io.Reader) (*ScanDocument, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the scan result: %w", err)
	}

	kind, members, err := identifyDocument(data)
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return nil, fmt.Errorf("reading the scan result: %w", err)
	}
	if err != nil {
		return nil, &NotScanResultError{Err: err}
	}
	switch kind {
	case ScanResultDocument:
	case UnknownDocument:
		// Without schemaVersion nothing marks the document as a scan result.
		return nil, &SchemaVersionError{}
	default:
		return nil, &NotScanResultError{Kind: kind}
	}

	var version string
	if err := json.Unmarshal(members["schemaVersion"], &version); err != nil {
		return nil, fmt.Errorf("reading the scan result: schemaVersion must be a string such as %q, not %s", SchemaVersion, members["schemaVersion"])
	}
	if version != SchemaVersion {
		return nil, &SchemaVersionError{Version: version}
	}

	// Missing members do not stop decoding, so that the problems of the
	// members that are present are reported with them.
	errs, typesOK := validateMembers(members)
	var doc ScanDocument
	if typesOK {
		if err := json.Unmarshal(data, &doc); err != nil {
			errs = append(errs, DescribeJSONError(err))
		} else if err := doc.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("reading the scan result: %w", err)
	}
	return &doc, nil
}

// NotScanResultError reports a document that is not a kubethreat scan
// result at all: a JSON value other than an object, or a document of
// another kind.
type NotScanResultError struct {
	Kind DocumentKind // the document's kind, or UnknownDocument when Err is set
	Err  error        // which JSON type the document has instead of an object, or nil
}

func (e *NotScanResultError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("the document is %v, so it is not a kubethreat scan result; write one with kubethreat scan -o json", e.Err)
	}
	return fmt.Sprintf("the document is %s, not a scan result; write a scan result with kubethreat scan -o json", e.Kind)
}

func (e *NotScanResultError) Unwrap() error { return e.Err }

// DocumentKind is a kind of JSON document that kubethreat writes or that
// users are likely to pass in place of a scan result.
type DocumentKind int

// Kinds of JSON document that IdentifyDocument recognizes.
const (
	UnknownDocument        DocumentKind = iota
	ScanResultDocument                  // kubethreat scan -o json
	CoverageDocument                    // kubethreat coverage -o json
	AssessmentDocument                  // GET /api/v1/assessments/{id} of kubethreat serve
	KnowledgeBaseDocument               // kubethreat export json
	SARIFDocument                       // kubethreat scan -o sarif, or another SARIF tool
	STIXDocument                        // kubethreat export stix
	NavigatorLayerDocument              // kubethreat coverage -o navigator
	KubernetesDocument                  // a Kubernetes object or list in JSON
)

var documentKindNames = map[DocumentKind]string{
	UnknownDocument:        "an unknown JSON document",
	ScanResultDocument:     "a kubethreat scan result (kubethreat scan -o json)",
	CoverageDocument:       "a kubethreat coverage document (kubethreat coverage -o json)",
	AssessmentDocument:     "a kubethreat assessment document (GET /api/v1/assessments/{id})",
	KnowledgeBaseDocument:  "a kubethreat knowledge-base export (kubethreat export json)",
	SARIFDocument:          "a SARIF log (kubethreat scan -o sarif)",
	STIXDocument:           "a STIX 2.1 bundle (kubethreat export stix)",
	NavigatorLayerDocument: "an ATT&CK Navigator layer (kubethreat coverage -o navigator)",
	KubernetesDocument:     "a Kubernetes object, which kubethreat scan reads",
}

// String returns the kind with an article and the command that writes it,
// for use inside a sentence.
func (k DocumentKind) String() string {
	if name, ok := documentKindNames[k]; ok {
		return name
	}
	return fmt.Sprintf("DocumentKind(%d)", int(k))
}

// IdentifyDocument returns the kind of a JSON document, judged by the
// top-level members that documents of each kind always have. It returns an
// error for invalid JSON and for a JSON value that is not an object. A
// ScanResultDocument is only a candidate: ReadJSON checks it in full.
func IdentifyDocument(data []byte) (DocumentKind, error) {
	kind, _, err := identifyDocument(data)
	return kind, err
}

// identifyDocument is IdentifyDocument that also returns the top-level
// members, so that ReadJSON need not decode them again.
func identifyDocument(data []byte) (DocumentKind, map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] != '{' && json.Valid(trimmed) {
		return UnknownDocument, nil, fmt.Errorf("not a JSON object but %s", jsonType(trimmed))
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &members); err != nil {
		return UnknownDocument, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	has := func(names ...string) bool {
		for _, name := range names {
			if _, ok := members[name]; !ok {
				return false
			}
		}
		return true
	}

	// The order matters where kinds share members: a knowledge-base export
	// has a schemaVersion as a scan result does, and a Navigator layer has
	// techniques as a coverage document does.
	switch {
	case has("schemaVersion", "matrix") && (has("tactics") || has("mitigations")):
		return KnowledgeBaseDocument, members, nil
	case has("schemaVersion"):
		return ScanResultDocument, members, nil
	case has("coverage") || has("scan"):
		return AssessmentDocument, members, nil
	case has("matrixVersion"):
		return CoverageDocument, members, nil
	case has("runs") && (has("version") || has("$schema")):
		return SARIFDocument, members, nil
	case has("type", "objects") && string(members["type"]) == `"bundle"`:
		return STIXDocument, members, nil
	case has("domain", "techniques") || has("versions", "techniques"):
		return NavigatorLayerDocument, members, nil
	case has("apiVersion", "kind"):
		return KubernetesDocument, members, nil
	}
	return UnknownDocument, members, nil
}

// jsonType names the type of a valid JSON value by its first byte.
func jsonType(value []byte) string {
	switch value[0] {
	case '{':
		return "a JSON object"
	case '[':
		return "a JSON array"
	case '"':
		return "a JSON string"
	case 't', 'f':
		return "a JSON boolean"
	case 'n':
		return "JSON null"
	}
	return "a JSON number"
}

// scanMember is a top-level member of a scan document and the first byte
// of its JSON type.
type scanMember struct {
	name     string
	start    byte // '{', '[', '"' or '0' for a number
	required bool // the json writer always writes it
}

// scanMembers lists the members that validateMembers checks. Every scan
// document has the required ones. The others are type-checked when
// present, so that a decoding error does not hide the problems of the rest.
var scanMembers = []scanMember{
	{"tool", '{', true},
	{"startedAt", '"', false},
	{"durationMs", '0', false},
	{"inputs", '[', false},
	{"cluster", '{', false},
	{"summary", '{', true},
	{"techniques", '[', true},
	{"checks", '[', true},
	{"findings", '[', true},
	{"skipped", '{', false},
	{"diagnostics", '[', false},
	{"suppressions", '[', false},
}

// validateMembers returns every problem with the top-level members of a
// scan document. A problem is a required member that is missing or null, a
// member of the wrong JSON type, a tool other than kubethreat, or a start
// time that is not RFC 3339. typesOK reports whether the document can be
// decoded, because every member present has the right type and the time
// is valid.
func validateMembers(members map[string]json.RawMessage) (errs []error, typesOK bool) {
	typesOK = true
	var missing []error
	for _, sm := range scanMembers {
		raw, ok := members[sm.name]
		isNull := ok && string(bytes.TrimSpace(raw)) == "null"
		switch {
		case !ok || isNull:
			if sm.required {
				missing = append(missing, fmt.Errorf("%s is missing", sm.name))
			}
		case !hasJSONType(raw, sm.start):
			want := jsonType([]byte{sm.start})
			errs = append(errs, fmt.Errorf("%s: %s where %s is expected", sm.name, jsonType(bytes.TrimSpace(raw)), want))
			typesOK = false
		}
	}
	if missing != nil {
		errs = append(append([]error{errIncomplete}, missing...), errs...)
	}

	if raw, ok := members["tool"]; ok && hasJSONType(raw, '{') {
		errs = append(errs, validateTool(raw)...)
	}
	if raw, ok := members["startedAt"]; ok {
		var started string
		if err := json.Unmarshal(raw, &started); err == nil {
			if _, err := time.Parse(time.RFC3339Nano, started); err != nil {
				errs = append(errs, fmt.Errorf("startedAt: invalid time %q; want an RFC 3339 time such as 2025-05-01T10:00:00Z", started))
				typesOK = false
			}
		}
	}
	return errs, typesOK
}

// errIncomplete heads the list of members that a scan document lacks.
var errIncomplete = errors.New("the document lacks members that every kubethreat scan result has; write a scan result with kubethreat scan -o json")

// validateTool returns the problems of the tool member, which must name
// kubethreat.
func validateTool(raw json.RawMessage) []error {
	var tool struct {
		Name *string `json:"name"`
	}
	if err := json.Unmarshal(raw, &tool); err != nil {
		return []error{fmt.Errorf("tool.%w", DescribeJSONError(err))}
	}
	switch {
	case tool.Name == nil:
		return []error{errors.New("tool.name is missing")}
	case *tool.Name != "kubethreat":
		return []error{fmt.Errorf("tool.name: invalid tool name %q; want kubethreat, because only kubethreat scan results can be read", *tool.Name)}
	}
	return nil
}

// hasJSONType reports whether raw is JSON of the type whose first byte is
// start, with '0' standing for a number.
func hasJSONType(raw json.RawMessage, start byte) bool {
	value := bytes.TrimSpace(raw)
	if start == '0' {
		return len(value) > 0 && (value[0] == '-' || (value[0] >= '0' && value[0] <= '9'))
	}
	return len(value) > 0 && value[0] == start
}

// DescribeJSONError rewords a decoding error of encoding/json so that it
// names JSON types and the member path instead of Go types. Other errors
// are returned as they are.
func DescribeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return err
	}
	want := "another JSON type"
	if typeErr.Type != nil {
		want = goTypeAsJSON(typeErr.Type)
	}
	got := typeErr.Value
	if first, _, _ := strings.Cut(got, " "); first == "number" || first == "string" || first == "array" || first == "object" {
		got = "a JSON " + first
	} else if got == "bool" {
		got = "a JSON boolean"
	}
	if typeErr.Field == "" {
		return fmt.Errorf("the document is %s where %s is expected", got, want)
	}
	return fmt.Errorf("%s: %s where %s is expected", typeErr.Field, got, want)
}

// goTypeAsJSON names the JSON type that encoding/json decodes into t.
func goTypeAsJSON(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "a JSON string"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a JSON string"
		}
		return "a JSON array"
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.String:
		return "a JSON string"
	case reflect.Bool:
		return "a JSON boolean"
	case reflect.Pointer:
		return goTypeAsJSON(t.Elem())
	case reflect.Interface:
		return "a JSON value"
	}
	return "a JSON number"
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

var knownStatuses = []check.Status{check.Fail, check.Pass, check.NotEvaluated, check.NotApplicable, check.Suppressed}

var knownExposures = []string{Exposed, NotObserved, NotAssessable, NotEvaluated}

// validate returns every problem that would make the document mislead a
// reader: a finding without a check or with an unknown status, a check
// without an ID, or techniques that do not cover the matrix.
func (d *ScanDocument) validate() error {
	errs := d.validateTechniques()
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

// validateTechniques returns the problems of the technique statuses. A
// scan result lists every technique of its matrix once, so when the
// document names the matrix version that is embedded in this kubethreat,
// every technique of that matrix must be listed and no other. Documents of
// another matrix version, or of none, are checked for duplicates and
// statuses only.
func (d *ScanDocument) validateTechniques() []error {
	switch {
	case d.Techniques == nil:
		return nil // validateMembers reports it missing
	case len(d.Techniques) == 0:
		return []error{errors.New("techniques is empty; a scan result lists every technique of the matrix")}
	}
	var m *matrix.Matrix
	if embedded, err := matrix.Default(); err == nil && embedded.Version == d.Tool.MatrixVersion {
		m = embedded
	}

	var errs []error
	listed := map[string]bool{}
	for i, t := range d.Techniques {
		at := fmt.Sprintf("techniques[%d]", i)
		switch {
		case t.ID == "":
			errs = append(errs, fmt.Errorf("%s: id is missing", at))
		case listed[t.ID]:
			errs = append(errs, fmt.Errorf("%s: technique %s is listed twice", at, t.ID))
		case m != nil:
			if _, ok := m.Technique(t.ID); !ok {
				errs = append(errs, fmt.Errorf("%s: unknown technique ID %q in matrix %s", at, t.ID, m.Version))
			}
		}
		listed[t.ID] = true
		if !slices.Contains(knownExposures, t.Status) {
			errs = append(errs, fmt.Errorf("%s: invalid status %q; want one of %s", at, t.Status, strings.Join(knownExposures, ", ")))
		}
	}
	if m == nil {
		return errs
	}

	var missing []string
	for _, t := range m.Techniques {
		if !listed[t.ID] {
			missing = append(missing, t.ID)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		errs = append(errs, fmt.Errorf("techniques: %s of matrix %s is missing", missing[0], m.Version))
	default:
		errs = append(errs, fmt.Errorf("techniques: %d techniques of matrix %s are missing: %s", len(missing), m.Version, strings.Join(missing, ", ")))
	}
	return errs
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
