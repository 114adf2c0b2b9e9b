package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func decodeJUnit(t *testing.T, s *Scan) junitTestSuites {
	t.Helper()
	var root junitTestSuites
	if err := xml.Unmarshal(render(t, "junit", s), &root); err != nil {
		t.Fatalf("parsing the JUnit XML: %v", err)
	}
	return root
}

func TestJUnitCounts(t *testing.T) {
	s := testScan(t)
	root := decodeJUnit(t, s)

	suites := map[string]junitTestSuite{}
	for _, suite := range root.Suites {
		suites[suite.Name] = suite
	}
	cases := []struct {
		suite                            string
		tests, failures, errors, skipped int
	}{
		{"pod-privileged", 4, 2, 0, 1},         // 2 failures, 1 not evaluated, 5 passed in one case
		{"pod-sa-token-automount", 4, 0, 0, 3}, // 2 suppressed, 1 not applicable, 4 passed
		{"rbac-cluster-admin-binding", 1, 0, 0, 1},
		{"rbac-secrets-read", 2, 1, 0, 0},
		{"kubethreat inputs", 4, 0, 1, 0}, // 2 diagnostics, 2 suppression problems
	}
	for _, tc := range cases {
		got, ok := suites[tc.suite]
		if !ok {
			t.Errorf("no testsuite %q", tc.suite)
			continue
		}
		if got.Tests != tc.tests || got.Failures != tc.failures || got.Errors != tc.errors || got.Skipped != tc.skipped {
			t.Errorf("%s: tests=%d failures=%d errors=%d skipped=%d, want %d %d %d %d",
				tc.suite, got.Tests, got.Failures, got.Errors, got.Skipped, tc.tests, tc.failures, tc.errors, tc.skipped)
		}
		if got.Tests != len(got.Cases) {
			t.Errorf("%s: tests=%d but %d testcases", tc.suite, got.Tests, len(got.Cases))
		}
	}
	if len(root.Suites) != len(testChecks())+1 {
		t.Errorf("%d testsuites, want one per check and one for inputs (%d)", len(root.Suites), len(testChecks())+1)
	}
	if root.Failures != Summarize(s).Status.Fail {
		t.Errorf("testsuites failures=%d, want the %d failing findings", root.Failures, Summarize(s).Status.Fail)
	}
}

func TestJUnitFailureBody(t *testing.T) {
	root := decodeJUnit(t, testScan(t))
	for _, suite := range root.Suites {
		for _, tc := range suite.Cases {
			if tc.ClassName != "secret-in-env" || tc.Failure == nil {
				continue
			}
			for _, want := range []string{"Location: deploy/api.yaml:28:19", "Evidence: " + secretEvidence, "Remediation: Move the value into a Secret"} {
				if !strings.Contains(tc.Failure.Body, want) {
					t.Errorf("failure body lacks %q:\n%s", want, tc.Failure.Body)
				}
			}
			if tc.File != "deploy/api.yaml" || tc.Line != 28 {
				t.Errorf("testcase file=%q line=%d, want deploy/api.yaml and 28", tc.File, tc.Line)
			}
			return
		}
	}
	t.Fatal("no failing testcase for secret-in-env")
}

// TestJUnitEscapes checks that markup and characters that XML 1.0 cannot
// carry never break the document.
func TestJUnitEscapes(t *testing.T) {
	hostile := "a <b> & \"c\" 'd' ]]> \x00\x01 \uFFFE end"
	s := testScan(t)
	f := &s.Result.Findings[0]
	f.Message, f.Evidence, f.FieldPath = hostile, hostile, hostile
	f.Object = source.Ref{Kind: "Pod", Namespace: "x", Name: hostile}
	s.Diagnostics[0].Message = hostile

	out := render(t, "junit", s)
	var root junitTestSuites
	if err := xml.Unmarshal(out, &root); err != nil {
		t.Fatalf("parsing the JUnit XML: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("a &lt;b&gt; &amp;")) {
		t.Error("markup in messages is not escaped")
	}
	want := "a <b> & \"c\" 'd' ]]> \uFFFD\uFFFD \uFFFD end"
	var found bool
	for _, suite := range root.Suites {
		for _, tc := range suite.Cases {
			if tc.Failure == nil || !strings.HasPrefix(tc.Failure.Message, "a <b>") {
				continue
			}
			found = true
			if tc.Failure.Message != want {
				t.Errorf("failure message = %q, want %q", tc.Failure.Message, want)
			}
			if !strings.Contains(tc.Failure.Body, "Evidence: "+want) {
				t.Errorf("failure body lacks the evidence %q:\n%s", want, tc.Failure.Body)
			}
		}
	}
	if !found {
		t.Error("the failure message did not survive the round trip")
	}
}

func TestJUnitKeptPasses(t *testing.T) {
	s := testScan(t)
	pass := s.Result.Findings[0]
	pass.Status, pass.FieldPath, pass.Message = check.Pass, "", "kept pass"
	pass.Object.Name = "web"
	s.Result.Findings = append(s.Result.Findings, pass)

	for _, suite := range decodeJUnit(t, s).Suites {
		if suite.Name != "pod-privileged" {
			continue
		}
		var names []string
		for _, tc := range suite.Cases {
			names = append(names, tc.Name)
		}
		joined := strings.Join(names, "|")
		if !strings.Contains(joined, "Deployment shop/web") || !strings.Contains(joined, "4 objects passed") {
			t.Errorf("testcases %q, want the kept pass and 4 other passed objects", names)
		}
		return
	}
	t.Fatal("no testsuite pod-privileged")
}
