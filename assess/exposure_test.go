package assess

import (
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
	"github.com/kubethreat/kubethreat/source"
)

func fakeCheck(id string, techniques ...string) *check.Check {
	return &check.Check{ID: id, Title: id, Techniques: techniques}
}

func TestExposure(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The technique IDs are real but arbitrary: only the mapping matters.
	all := []*check.Check{
		fakeCheck("fails", "MS-TA9013"),
		fakeCheck("passes", "MS-TA9013", "MS-TA9014"),
		fakeCheck("suppressed-only", "MS-TA9015"),
		fakeCheck("no-objects", "MS-TA9016"),
		fakeCheck("unreadable", "MS-TA9024"),
		fakeCheck("not-selected", "MS-TA9029"),
		fakeCheck("mixed-unreadable", "MS-TA9024"),
		fakeCheck("only-unreadable", "MS-TA9028"),
		fakeCheck("only-unreadable-too", "MS-TA9028"),
		fakeCheck("reads-nothing-either", "MS-TA9016"),
		fakeCheck("fails-suppressed", "MS-TA9014"),
		fakeCheck("another-failure", "MS-TA9013"),
		fakeCheck("unknown-technique", "MS-TA9999"),
		fakeCheck("exposes-two", "MS-TA9002", "MS-TA9005"),
	}
	ran := []*check.Check{}
	for _, c := range all {
		if c.ID != "not-selected" {
			ran = append(ran, c)
		}
	}
	res := &check.Result{
		Checks: ran,
		Stats: map[string]check.Stats{
			"fails":                {Evaluated: 3, Failed: 2, Passed: 1},
			"passes":               {Evaluated: 4, Passed: 4},
			"suppressed-only":      {Evaluated: 1, Suppressed: 1},
			"no-objects":           {},
			"unreadable":           {NotEvaluated: 1},
			"mixed-unreadable":     {Evaluated: 2, Passed: 2},
			"only-unreadable":      {NotEvaluated: 1},
			"only-unreadable-too":  {NotEvaluated: 1},
			"reads-nothing-either": {},
			"fails-suppressed":     {Evaluated: 1, Suppressed: 1},
			"another-failure":      {Evaluated: 1, Failed: 1},
			"exposes-two":          {Evaluated: 1, Failed: 1},
		},
		Findings: []check.Finding{
			{Check: "unreadable", Status: check.NotEvaluated, Reason: "cannot read secrets (forbidden)", Object: source.Ref{Kind: "Check", Name: "unreadable"}},
			{Check: "only-unreadable", Status: check.NotEvaluated, Reason: "cannot read serviceaccounts (forbidden)"},
			{Check: "only-unreadable-too", Status: check.NotEvaluated, Reason: "cannot read serviceaccounts (forbidden)"},
		},
	}

	got := Exposure(m, res, all)
	if len(got) != len(m.Techniques) {
		t.Fatalf("got %d techniques, want %d", len(got), len(m.Techniques))
	}
	byID := map[string]report.TechniqueStatus{}
	for i, ts := range got {
		byID[ts.ID] = ts
		if i > 0 && got[i-1].ID >= ts.ID {
			t.Errorf("techniques out of order: %s before %s", got[i-1].ID, ts.ID)
		}
		if ts.Name == "" || len(ts.Tactics) == 0 || ts.Checks == nil {
			t.Errorf("%s: name %q, tactics %v, checks %v: want all set", ts.ID, ts.Name, ts.Tactics, ts.Checks)
		}
	}

	tests := []struct {
		id         string
		status     string
		failed     int
		reason     string // a substring; "" wants no reason
		wantChecks string
	}{
		{"MS-TA9013", report.Exposed, 3, "", "another-failure,fails,passes"},
		{"MS-TA9014", report.NotObserved, 0, "1 failing finding(s) suppressed", "fails-suppressed,passes"},
		{"MS-TA9015", report.NotObserved, 0, "1 failing finding(s) suppressed", "suppressed-only"},
		{"MS-TA9016", report.NotEvaluated, 0, "the input has no object that its checks apply to", "no-objects,reads-nothing-either"},
		{"MS-TA9024", report.NotObserved, 0, "", "mixed-unreadable,unreadable"},
		{"MS-TA9028", report.NotEvaluated, 0, "cannot read serviceaccounts (forbidden)", "only-unreadable,only-unreadable-too"},
		{"MS-TA9029", report.NotEvaluated, 0, "none of its checks ran in this scan: not-selected", "not-selected"},
		{"MS-TA9002", report.Exposed, 1, "", "exposes-two"},
		{"MS-TA9005", report.Exposed, 1, "", "exposes-two"},
		{"MS-TA9001", report.NotAssessable, 0, ReasonNoCheck, ""},
	}
	for _, tc := range tests {
		ts, ok := byID[tc.id]
		if !ok {
			t.Errorf("%s missing from the summary", tc.id)
			continue
		}
		if ts.Status != tc.status {
			t.Errorf("%s: status %q, want %q (reason %q)", tc.id, ts.Status, tc.status, ts.Reason)
		}
		if ts.Failed != tc.failed {
			t.Errorf("%s: failed %d, want %d", tc.id, ts.Failed, tc.failed)
		}
		if tc.reason == "" && ts.Reason != "" {
			t.Errorf("%s: reason %q, want none", tc.id, ts.Reason)
		}
		if tc.reason != "" && !strings.Contains(ts.Reason, tc.reason) {
			t.Errorf("%s: reason %q, want it to contain %q", tc.id, ts.Reason, tc.reason)
		}
		if got := strings.Join(ts.Checks, ","); got != tc.wantChecks {
			t.Errorf("%s: checks %q, want %q", tc.id, got, tc.wantChecks)
		}
	}
	if r := byID["MS-TA9028"].Reason; strings.Count(r, "cannot read serviceaccounts") != 1 {
		t.Errorf("MS-TA9028 reason %q repeats the same cause", r)
	}
	if tac := strings.Join(byID["MS-TA9013"].Tactics, ","); tac != "Persistence,Privilege Escalation,Lateral Movement" {
		t.Errorf("MS-TA9013 tactics = %s, want Persistence, Privilege Escalation and Lateral Movement in column order", tac)
	}
}

func TestExposureWithoutChecks(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	got := Exposure(m, &check.Result{Stats: map[string]check.Stats{}}, nil)
	if len(got) != 40 {
		t.Fatalf("got %d techniques, want the matrix's 40", len(got))
	}
	for _, ts := range got {
		if ts.Status != report.NotAssessable || ts.Reason != ReasonNoCheck {
			t.Errorf("%s: %q (%q), want not_assessable with the no-check reason", ts.ID, ts.Status, ts.Reason)
		}
	}
}

func TestExposureLeavesOutPrevention(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	policy := fakeCheck("admission-policy", "MS-TA9006", "MS-TA9002")
	policy.Prevention = true
	image := fakeCheck("image-tag", "MS-TA9002")
	res := &check.Result{
		Checks: []*check.Check{policy, image},
		Stats: map[string]check.Stats{
			"admission-policy": {Evaluated: 1, Failed: 1},
			"image-tag":        {Evaluated: 2, Passed: 2},
		},
	}
	byID := map[string]report.TechniqueStatus{}
	for _, ts := range Exposure(m, res, res.Checks) {
		byID[ts.ID] = ts
	}
	if ts := byID["MS-TA9002"]; ts.Status != report.NotObserved || strings.Join(ts.Checks, ",") != "image-tag" {
		t.Errorf("MS-TA9002: %s with checks %v, want not_observed from image-tag alone", ts.Status, ts.Checks)
	}
	if ts := byID["MS-TA9006"]; ts.Status != report.NotAssessable {
		t.Errorf("MS-TA9006: %s, want not_assessable: a failing prevention check is a missing mitigation, not an exposure", ts.Status)
	}
}
