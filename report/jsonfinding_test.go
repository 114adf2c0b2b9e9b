package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// encodeWithLibrary encodes a finding as an element of the findings array
// with encoding/json, the reference that appendFinding must match.
func encodeWithLibrary(t *testing.T, f *check.Finding) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	if err := enc.Encode(findingRecord(f)); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendFindingMatchesLibrary(t *testing.T) {
	odd := "tab\there \"quoted\" back\\slash <html> & \x00\x1f\x7f \b\f\r\n \u2028\u2029 bad\xff\xfe utf8 é 😀"
	tests := []struct {
		name string
		f    check.Finding
	}{
		{"empty", check.Finding{}},
		{"full", check.Finding{
			Check: "pod-privileged", Status: check.Fail, Severity: check.Critical,
			Techniques: []string{"MS-TA9013", "MS-TA9028"}, Mitigations: []string{"MS-M9013"},
			Object:    source.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "api"},
			FieldPath: "spec.template.spec.containers[0].securityContext.privileged",
			Location:  source.Location{File: "deploy/api.yaml", Line: 21, Column: 13},
			Template:  "charts/api/templates/deployment.yaml",
			Message:   "container runs privileged", Remediation: "drop it", Evidence: "true", Reason: "why",
		}},
		{"cluster location only", check.Finding{Status: check.NotEvaluated, Location: source.Location{Cluster: "https://127.0.0.1:6443"}, Reason: "cannot read pods"}},
		{"line without file", check.Finding{Status: check.Pass, Location: source.Location{Line: 3}}},
		{"column only", check.Finding{Location: source.Location{Column: 7}}},
		{"odd characters", check.Finding{
			Check: odd, Status: check.Status(odd), Techniques: []string{odd, ""}, Mitigations: []string{},
			Object: source.Ref{Kind: odd, Name: odd, Namespace: odd}, FieldPath: odd,
			Location: source.Location{File: odd, Cluster: odd}, Template: odd, Message: odd,
			Remediation: odd, Evidence: odd, Reason: odd,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := appendFinding(nil, &tt.f)
			if !ok {
				t.Fatal("appendFinding declined a finding without suppression or guidance")
			}
			if want := encodeWithLibrary(t, &tt.f); !bytes.Equal(got, want) {
				t.Errorf("appendFinding =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestAppendFindingDeclinesExtras(t *testing.T) {
	for _, f := range []check.Finding{
		{Suppression: &check.Suppression{Source: "annotation", Reason: "accepted"}},
		{Guidance: []check.Guidance{{Mitigation: "MS-M9013", Service: "eks", Text: "text"}}},
	} {
		if out, ok := appendFinding([]byte("x"), &f); ok || string(out) != "x" {
			t.Errorf("appendFinding(%+v) = %q, %v; want the buffer unchanged and false", f, out, ok)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\", "\x00\x1f\x7f", "\u2028\u2029", "\xff", "é😀", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := appendJSONString(nil, s)
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json writes %s", s, got, want.Bytes())
		}
	})
}
