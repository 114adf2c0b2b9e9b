package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

// compileSchema compiles a JSON schema file with format assertions on, so
// that "date-time" and "uri" are checked too.
func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	return s
}

func validateJSON(t *testing.T, schema *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding output: %v", err)
	}
	return schema.Validate(v)
}

func scanSchemaPath(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "docs", "schema", "scan-v1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJSONMatchesSchema(t *testing.T) {
	schema := compileSchema(t, scanSchemaPath(t))

	empty := testScan(t)
	empty.Result = &check.Result{}
	empty.Techniques, empty.Skipped, empty.Diagnostics, empty.Suppressions, empty.Inputs = nil, nil, nil, nil, nil

	for name, s := range map[string]*Scan{"full": testScan(t), "empty": empty} {
		t.Run(name, func(t *testing.T) {
			if err := validateJSON(t, schema, render(t, "json", s)); err != nil {
				t.Errorf("output does not match the schema: %v", err)
			}
		})
	}
}

func TestJSONSchemaRejectsBadDocuments(t *testing.T) {
	schema := compileSchema(t, scanSchemaPath(t))
	good := render(t, "json", testScan(t))

	cases := []struct {
		name string
		edit func(doc map[string]any)
	}{
		{"unknown status", func(doc map[string]any) { finding0(doc)["status"] = "ok" }},
		{"unknown severity", func(doc map[string]any) { finding0(doc)["severity"] = "severe" }},
		{"missing message", func(doc map[string]any) { delete(finding0(doc), "message") }},
		{"unknown property", func(doc map[string]any) { finding0(doc)["colour"] = "red" }},
		{"line zero", func(doc map[string]any) { finding0(doc)["location"].(map[string]any)["line"] = 0 }},
		{"other schemaVersion", func(doc map[string]any) { doc["schemaVersion"] = "2" }},
		{"suppressed without suppression", func(doc map[string]any) {
			f := finding0(doc)
			f["status"] = "suppressed"
			delete(f, "suppression")
		}},
		{"technique status unknown", func(doc map[string]any) {
			doc["techniques"].([]any)[0].(map[string]any)["status"] = "safe"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(good, &doc); err != nil {
				t.Fatal(err)
			}
			tc.edit(doc)
			data, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateJSON(t, schema, data); err == nil {
				t.Error("the schema accepted the document, want a validation error")
			}
		})
	}
}

func finding0(doc map[string]any) map[string]any {
	return doc["findings"].([]any)[0].(map[string]any)
}

func TestReadJSONRoundTrip(t *testing.T) {
	s := testScan(t)
	out := render(t, "json", s)

	doc, err := ReadJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	want := NewScanDocument(s, s.Tool)
	want.Tool.InformationURI = defaultInformationURI
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("ReadJSON returned a different document:\ngot  %+v\nwant %+v", doc, want)
	}

	// Converting back gives the engine's findings and stats unchanged.
	res := doc.CheckResult()
	wantFindings := slices.Clone(s.Result.Findings)
	slices.SortStableFunc(wantFindings, func(a, b check.Finding) int { return check.CompareFindings(&a, &b) })
	if !reflect.DeepEqual(res.Findings, wantFindings) {
		t.Errorf("CheckResult findings differ from the scan's:\ngot  %+v\nwant %+v", res.Findings, wantFindings)
	}
	if !reflect.DeepEqual(res.Stats, s.Result.Stats) {
		t.Errorf("CheckResult stats = %+v, want %+v", res.Stats, s.Result.Stats)
	}
	if len(res.Checks) != len(s.Result.Checks) {
		t.Errorf("CheckResult has %d checks, want %d", len(res.Checks), len(s.Result.Checks))
	}

	// Writing the read document again gives the same bytes.
	again := render(t, "json", &Scan{
		Tool: doc.Tool, StartedAt: doc.StartedAt, Duration: s.Duration, Inputs: doc.Inputs, Cluster: doc.Cluster,
		Result: res, Techniques: doc.Techniques, Skipped: doc.Skipped,
		Diagnostics: doc.Diagnostics, Suppressions: doc.Suppressions, Matrix: s.Matrix,
	})
	if !bytes.Equal(again, out) {
		t.Error("writing the document read back gives different JSON")
	}
}

func TestReadJSONKeepsEvidence(t *testing.T) {
	doc, err := ReadJSON(bytes.NewReader(render(t, "json", testScan(t))))
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	var found bool
	for _, f := range doc.Findings {
		if f.Check == "secret-in-env" {
			found = true
			if f.Evidence != secretEvidence {
				t.Errorf("evidence = %q, want %q", f.Evidence, secretEvidence)
			}
		}
	}
	if !found {
		t.Error("the secret-in-env finding is missing from the document")
	}
}

func TestReadJSONRejects(t *testing.T) {
	cases := []struct {
		name        string
		input       string
		wantVersion *SchemaVersionError
		wantText    string
	}{
		{"other version", `{"schemaVersion": "2", "findings": []}`, &SchemaVersionError{Version: "2"}, `unsupported scan result schemaVersion "2"`},
		{"numeric version", `{"schemaVersion": 1}`, nil, "schemaVersion must be a string"},
		{"no version", `{"findings": []}`, &SchemaVersionError{}, "has no schemaVersion"},
		{"not JSON", `schemaVersion: "1"`, nil, "invalid JSON"},
		{"unknown status", `{"schemaVersion": "1", "findings": [{"check": "a", "status": "ok", "severity": "low"}]}`, nil, `findings[0]: invalid status "ok"`},
		{"unknown severity", `{"schemaVersion": "1", "findings": [{"check": "a", "status": "fail", "severity": "severe"}]}`, nil, `unknown severity "severe"`},
		{"finding without check", `{"schemaVersion": "1", "findings": [{"status": "fail", "severity": "low"}]}`, nil, "findings[0]: check is missing"},
		{"suppressed without suppression", `{"schemaVersion": "1", "findings": [{"check": "a", "status": "suppressed", "severity": "low"}]}`, nil, "suppression is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tc.input))
			if err == nil {
				t.Fatal("ReadJSON accepted the document, want an error")
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error = %q, want it to contain %q", err, tc.wantText)
			}
			var versionErr *SchemaVersionError
			if got := errors.As(err, &versionErr); got != (tc.wantVersion != nil) {
				t.Fatalf("errors.As(err, *SchemaVersionError) = %v, want %v", got, tc.wantVersion != nil)
			}
			if tc.wantVersion != nil && *versionErr != *tc.wantVersion {
				t.Errorf("SchemaVersionError = %+v, want %+v", *versionErr, *tc.wantVersion)
			}
		})
	}
}

func TestReadJSONIgnoresUnknownFields(t *testing.T) {
	input := editScanJSON(t, render(t, "json", testScan(t)), func(v map[string]any) {
		v["addedLater"] = true
		v["findings"] = []any{map[string]any{"check": "a", "status": "fail", "severity": "low", "extra": 1}}
	})
	doc, err := ReadJSON(bytes.NewReader(input))
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Check != "a" {
		t.Errorf("findings = %+v, want one finding of check a", doc.Findings)
	}
}

// TestJSONStreamsLikeEncoder compares the streamed report with what
// encoding/json writes for the whole document, on a scan with enough
// findings to span several chunks and windows of the parallel encoder.
func TestJSONStreamsLikeEncoder(t *testing.T) {
	for _, copies := range []int{0, 1, 3 * findingChunk * 9} {
		s := testScan(t)
		base := s.Result.Findings
		if copies == 0 {
			s.Result.Findings = nil
		}
		for i := 1; i < copies; i++ {
			f := base[i%len(base)]
			f.Object.Name = fmt.Sprintf("copy-%05d", i)
			f.Message += " <&>\u2028"
			s.Result.Findings = append(s.Result.Findings, f)
		}
		got := render(t, "json", s)

		m, err := knowledgeBase(s)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(NewScanDocument(s, toolInfo(s, m))); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			i := 0
			for i < min(len(got), len(want.Bytes())) && got[i] == want.Bytes()[i] {
				i++
			}
			lo := max(0, i-80)
			t.Fatalf("%d findings: output differs from encoding/json at byte %d:\ngot  %q\nwant %q",
				len(s.Result.Findings), i, got[lo:min(len(got), i+80)], want.Bytes()[lo:min(want.Len(), i+80)])
		}
	}
}

// editScanJSON decodes a scan document, applies edit and encodes it again.
func editScanJSON(t *testing.T, data []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	edit(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadJSONRejectsOtherDocuments(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	var kb bytes.Buffer
	if err := matrix.WriteJSON(&kb, m); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		input    []byte
		wantKind DocumentKind
		wantText string
	}{
		{"knowledge-base export", kb.Bytes(), KnowledgeBaseDocument, "the document is a kubethreat knowledge-base export (kubethreat export json), not a scan result"},
		{"SARIF log", render(t, "sarif", testScan(t)), SARIFDocument, "the document is a SARIF log"},
		{"coverage document", []byte(`{"matrixVersion": "v3", "attackVersion": "18.1", "techniques": []}`), CoverageDocument, "the document is a kubethreat coverage document (kubethreat coverage -o json)"},
		{"assessment document", []byte(`{"id": 1, "kind": "scan", "coverage": {"matrixVersion": "v3"}, "scan": null}`), AssessmentDocument, "the document is a kubethreat assessment document"},
		{"STIX bundle", []byte(`{"type": "bundle", "id": "bundle--1", "objects": []}`), STIXDocument, "the document is a STIX 2.1 bundle"},
		{"Navigator layer", []byte(`{"name": "layer", "versions": {"layer": "4.5"}, "domain": "enterprise-attack", "techniques": []}`), NavigatorLayerDocument, "the document is an ATT&CK Navigator layer"},
		{"Kubernetes object", []byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}`), KubernetesDocument, "the document is a Kubernetes object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSON(bytes.NewReader(tc.input))
			if err == nil {
				t.Fatal("ReadJSON accepted the document, want an error")
			}
			var notScan *NotScanResultError
			if !errors.As(err, &notScan) {
				t.Fatalf("error %q is not a *NotScanResultError", err)
			}
			if notScan.Kind != tc.wantKind {
				t.Errorf("Kind = %v, want %v", notScan.Kind, tc.wantKind)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error = %q, want it to contain %q", err, tc.wantText)
			}
			if !strings.Contains(err.Error(), "kubethreat scan -o json") {
				t.Errorf("error = %q, want it to say how to write a scan result", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has more than one line:\n%s", err)
			}
		})
	}
}

func TestReadJSONRejectsNonObjects(t *testing.T) {
	cases := []struct {
		input    string
		wantType string
	}{
		{`[{"schemaVersion": "1"}]`, "a JSON array"},
		{`[]`, "a JSON array"},
		{`42`, "a JSON number"},
		{`"scan"`, "a JSON string"},
		{`true`, "a JSON boolean"},
		{` null `, "JSON null"},
	}
	for _, tc := range cases {
		t.Run(tc.input, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tc.input))
			if err == nil {
				t.Fatal("ReadJSON accepted the document, want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "not a JSON object but "+tc.wantType) {
				t.Errorf("error = %q, want it to say the document is %s, not a JSON object", msg, tc.wantType)
			}
			if strings.Contains(msg, "Go value") || strings.Contains(msg, "struct") {
				t.Errorf("error = %q names Go types", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error has more than one line:\n%s", msg)
			}
		})
	}
}

func TestReadJSONRequiresScanMembers(t *testing.T) {
	valid := render(t, "json", testScan(t))
	technique := func(v map[string]any, i int) map[string]any {
		return v["techniques"].([]any)[i].(map[string]any)
	}
	cases := []struct {
		name  string
		input []byte
		wants []string
	}{
		{"only a schema version", []byte(`{"schemaVersion": "1"}`),
			[]string{"tool is missing", "summary is missing", "techniques is missing", "checks is missing", "findings is missing"}},
		{"null members", editScanJSON(t, valid, func(v map[string]any) { v["tool"], v["checks"], v["findings"] = nil, nil, nil }),
			[]string{"tool is missing", "checks is missing", "findings is missing"}},
		{"members of the wrong type", editScanJSON(t, valid, func(v map[string]any) { v["summary"], v["techniques"], v["findings"] = "none", 40, map[string]any{} }),
			[]string{"summary: a JSON string where a JSON object is expected", "techniques: a JSON number where a JSON array is expected", "findings: a JSON object where a JSON array is expected"}},
		{"another tool", editScanJSON(t, valid, func(v map[string]any) { v["tool"] = map[string]any{"name": "trivy"} }),
			[]string{`tool.name: invalid tool name "trivy"; want kubethreat`}},
		{"tool without a name", editScanJSON(t, valid, func(v map[string]any) { delete(v["tool"].(map[string]any), "name") }),
			[]string{"tool.name is missing"}},
		{"invalid start time", editScanJSON(t, valid, func(v map[string]any) { v["startedAt"] = "yesterday" }),
			[]string{`startedAt: invalid time "yesterday"`}},
		{"no techniques", editScanJSON(t, valid, func(v map[string]any) { v["techniques"] = []any{} }),
			[]string{"techniques is empty"}},
		{"technique without status", editScanJSON(t, valid, func(v map[string]any) { delete(technique(v, 0), "status") }),
			[]string{`techniques[0]: invalid status ""`}},
		{"technique without ID", editScanJSON(t, valid, func(v map[string]any) { delete(technique(v, 1), "id") }),
			[]string{"techniques[1]: id is missing"}},
		{"technique twice", editScanJSON(t, valid, func(v map[string]any) { technique(v, 1)["id"] = technique(v, 0)["id"] }),
			[]string{"techniques[1]: technique MS-TA9001 is listed twice", "techniques: MS-TA9002 of matrix v3 is missing"}},
		{"unknown technique", editScanJSON(t, valid, func(v map[string]any) { technique(v, 2)["id"] = "MS-TA9999" }),
			[]string{`techniques[2]: unknown technique ID "MS-TA9999" in matrix v3`}},
		{"techniques missing from the matrix", editScanJSON(t, valid, func(v map[string]any) { v["techniques"] = v["techniques"].([]any)[:38] }),
			[]string{"techniques: 2 techniques of matrix v3 are missing:"}},
		{"nested member of the wrong type", editScanJSON(t, valid, func(v map[string]any) { finding0(v)["location"].(map[string]any)["line"] = "21" }),
			[]string{"findings.location.line: a JSON string where a JSON number is expected"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSON(bytes.NewReader(tc.input))
			if err == nil {
				t.Fatal("ReadJSON accepted the document, want an error")
			}
			for _, want := range tc.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%s", want, err)
				}
			}
			if strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "report.") {
				t.Errorf("error names Go types:\n%s", err)
			}
		})
	}
}
