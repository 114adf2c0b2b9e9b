package assess

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

// encodeCoverage returns the JSON that WriteJSON writes for c.
func encodeCoverage(t *testing.T, c *Coverage) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadJSONRoundTrip(t *testing.T) {
	for _, withScan := range []bool{false, true} {
		want := fixtureCoverage(t, withScan)
		got, err := ReadJSON(bytes.NewReader(encodeCoverage(t, want)), testMatrix(t))
		if err != nil {
			t.Fatalf("withScan=%v: ReadJSON: %v", withScan, err)
		}
		if got.Matrix() == nil {
			t.Fatal("the coverage read has no matrix")
		}
		if !reflect.DeepEqual(got.Techniques, want.Techniques) {
			t.Errorf("withScan=%v: techniques differ after a round trip", withScan)
		}
		if !reflect.DeepEqual(got.Plan, want.Plan) {
			t.Errorf("withScan=%v: plan differs after a round trip:\ngot  %+v\nwant %+v", withScan, got.Plan, want.Plan)
		}
		if !reflect.DeepEqual(got.Unreachable, want.Unreachable) {
			t.Errorf("withScan=%v: unreachable = %v, want %v", withScan, got.Unreachable, want.Unreachable)
		}
	}
}

// editCoverage decodes a coverage document into generic JSON, applies edit
// and encodes it again.
func editCoverage(t *testing.T, doc []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	edit(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// technique returns the generic JSON of the i-th technique.
func technique(v map[string]any, i int) map[string]any {
	return v["techniques"].([]any)[i].(map[string]any)
}

func TestReadJSONInvalid(t *testing.T) {
	valid := encodeCoverage(t, fixtureCoverage(t, true))
	tests := []struct {
		name  string
		edit  func(map[string]any)
		wants []string
	}{
		{"no matrix version", func(v map[string]any) { delete(v, "matrixVersion") }, []string{"matrixVersion is missing"}},
		{"no techniques", func(v map[string]any) { delete(v, "techniques") }, []string{"techniques is missing"}},
		{"unknown technique", func(v map[string]any) { technique(v, 0)["id"] = "MS-TA9099" }, []string{`techniques[0]: unknown technique ID "MS-TA9099"`}},
		{"retired technique", func(v map[string]any) { technique(v, 0)["id"] = "MS-TA9032" }, []string{"MS-TA9032 is retired; its successor is MS-TA9005"}},
		{"duplicate technique", func(v map[string]any) { technique(v, 1)["id"] = technique(v, 0)["id"] }, []string{"techniques[1]: technique MS-TA9001 is listed twice"}},
		{"bad exposure", func(v map[string]any) { technique(v, 2)["exposure"] = "on fire" }, []string{`techniques[2]: invalid exposure "on fire"`}},
		{"bad mitigation", func(v map[string]any) {
			ms := technique(v, 0)["mitigations"].([]any)[0].(map[string]any)
			ms["id"], ms["state"] = "MS-M9999", "done"
		}, []string{`unknown mitigation ID "MS-M9999"`, `invalid state "done"`}},
		{"bad detection", func(v map[string]any) {
			tc := technique(v, 0)
			tc["detections"] = []any{map[string]any{"rule": "", "how": "guessed"}}
		}, []string{"detections[0]: rule is missing", `detections[0]: invalid how "guessed"`}},
	}
	for _, tt := range tests {
		doc := editCoverage(t, valid, tt.edit)
		_, err := ReadJSON(bytes.NewReader(doc), testMatrix(t))
		if err == nil {
			t.Errorf("%s: ReadJSON succeeded", tt.name)
			continue
		}
		for _, want := range tt.wants {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", tt.name, err, want)
			}
		}
	}

	if _, err := ReadJSON(strings.NewReader(`{"techniques": [`), testMatrix(t)); err == nil {
		t.Error("ReadJSON of truncated JSON succeeded")
	}
}

// TestReadJSONDerives checks that what a document cannot be trusted with
// is derived again: names from the matrix, levels from detections, the
// plan from the formula, and techniques the document lacks.
func TestReadJSONDerives(t *testing.T) {
	want := fixtureCoverage(t, true)
	doc := editCoverage(t, encodeCoverage(t, want), func(v map[string]any) {
		techniques := v["techniques"].([]any)
		first := techniques[0].(map[string]any)
		first["name"] = "<b>renamed</b>"
		first["id"] = strings.ToLower(first["id"].(string))
		first["level"] = "covered"
		v["techniques"] = techniques[:len(techniques)-1]
		v["plan"] = map[string]any{"formula": "made up", "steps": []any{}}
	})
	got, err := ReadJSON(bytes.NewReader(doc), testMatrix(t))
	if err != nil {
		t.Fatal(err)
	}

	first := got.Techniques[0]
	if first.ID != want.Techniques[0].ID || first.Name != want.Techniques[0].Name {
		t.Errorf("first technique = %s %q, want %s %q", first.ID, first.Name, want.Techniques[0].ID, want.Techniques[0].Name)
	}
	if first.Level != want.Techniques[0].Level {
		t.Errorf("level = %q, want %q derived from the detections", first.Level, want.Techniques[0].Level)
	}
	last := got.Techniques[len(got.Techniques)-1]
	if last.Exposure != report.NotEvaluated || last.Reason != ReasonNotInDocument {
		t.Errorf("the technique left out is %s (%q), want not_evaluated with the reason", last.Exposure, last.Reason)
	}
	if len(got.Techniques) != len(want.Techniques) {
		t.Errorf("%d techniques, want %d", len(got.Techniques), len(want.Techniques))
	}
	if got.Plan.Formula != PriorityFormula {
		t.Errorf("plan formula = %q, want PriorityFormula", got.Plan.Formula)
	}
	if len(got.Plan.Steps) == 0 {
		t.Error("the plan was not computed again")
	}
}

func TestReadJSONRejectsOtherDocuments(t *testing.T) {
	m := testMatrix(t)
	var kb bytes.Buffer
	if err := matrix.WriteJSON(&kb, m); err != nil {
		t.Fatal(err)
	}
	scan, err := json.Marshal(fixtureScan())
	if err != nil {
		t.Fatal(err)
	}
	valid := encodeCoverage(t, fixtureCoverage(t, true))
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"scan result", scan, "the document is a kubethreat scan result (kubethreat scan -o json), not a coverage document; write a coverage document with kubethreat coverage -o json"},
		{"knowledge-base export", kb.Bytes(), "the document is a kubethreat knowledge-base export (kubethreat export json), not a coverage document"},
		{"JSON array", []byte(`[{"matrixVersion": "v3"}]`), "the document is not a JSON object but a JSON array; write a coverage document with kubethreat coverage -o json"},
		{"JSON string", []byte(`"coverage"`), "the document is not a JSON object but a JSON string"},
		{"techniques of the wrong type", editCoverage(t, valid, func(v map[string]any) { v["techniques"] = 40 }),
			"techniques: a JSON number where a JSON array is expected"},
		{"technique of the wrong type", editCoverage(t, valid, func(v map[string]any) { technique(v, 0)["exposure"] = true }),
			"techniques.exposure: a JSON boolean where a JSON string is expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(bytes.NewReader(tt.input), m)
			if err == nil {
				t.Fatal("ReadJSON accepted the document, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "assess.") {
				t.Errorf("error names Go types: %q", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has more than one line:\n%s", err)
			}
		})
	}
}
