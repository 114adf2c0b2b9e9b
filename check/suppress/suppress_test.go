package suppress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/config"
	"github.com/kubethreat/kubethreat/source"
)

// The tests register two checks of their own so that they do not depend
// on the built-in checks: one fails every privileged container, the other
// every object named "bad".
var (
	testPrivileged = &check.Check{
		ID: "test-privileged", Title: "t", Rationale: "r", Remediation: "m.", Severity: check.High,
		Techniques: []string{"MS-TA9013"}, Since: "test",
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			for _, ps := range check.PodSpecs(o) {
				failed := false
				for _, c := range ps.Containers() {
					if v := c.Value.Field("securityContext").Field("privileged"); v.IsTrue() {
						r.Fail(v, "true", "container %q is privileged", c.Name)
						failed = true
					}
				}
				if !failed {
					r.Pass(o.Ref, o.Loc)
				}
			}
		},
	}
	testNamedBad = &check.Check{
		ID: "test-named-bad", Title: "t", Rationale: "r", Remediation: "m.", Severity: check.Low,
		Techniques: []string{"MS-TA9001"}, Since: "test",
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			if o.Name == "bad" {
				r.FailRef(o.Ref, o.Loc, "metadata.name", o.Name, "%s is named bad", o.Ref)
				return
			}
			r.Pass(o.Ref, o.Loc)
		},
	}
)

func init() { check.Register(testPrivileged, testNamedBad) }

var known = []string{"test-privileged", "test-named-bad"}

const manifests = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: kube-system
  annotations:
    kubethreat.io/ignore: "test-privileged -- the CNI agent programs host networking"
spec:
  template:
    spec:
      containers:
      - name: agent
        securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        kubethreat.io/ignore: "test-privileged -- debugging build, removed in the next release"
    spec:
      containers:
      - name: web
        securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: bad
  namespace: shop
  annotations:
    kubethreat.io/ignore: "test-privileged"
spec:
  containers:
  - name: c
    securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: tidy
  namespace: shop
  annotations:
    kubethreat.io/ignore: "test-privileged,test-named-bad,test-no-such-check -- kept for the test"
spec:
  containers:
  - name: c
`

func scan(t *testing.T) (*check.Inventory, *check.Result) {
	t.Helper()
	objs, _, err := source.DecodeYAML("m.yaml", []byte(manifests))
	if err != nil {
		t.Fatal(err)
	}
	inv := check.NewInventory(objs)
	res, err := check.Run(context.Background(), inv, check.Options{Checks: []*check.Check{testNamedBad, testPrivileged}})
	if err != nil {
		t.Fatal(err)
	}
	return inv, res
}

var today = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// statusOf returns the status of the finding of a check on the named
// object, or "" when there is none.
func statusOf(res *check.Result, checkID, name string) (check.Status, *check.Suppression) {
	for _, f := range res.Findings {
		if f.Check == checkID && f.Object.Name == name && f.Status != check.Pass {
			return f.Status, f.Suppression
		}
	}
	return "", nil
}

func noticesOf(sum Summary, kind NoticeKind) []Notice {
	var out []Notice
	for _, n := range sum.Notices {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func TestApplyAnnotations(t *testing.T) {
	inv, res := scan(t)
	sum := Apply(inv, res, Options{Today: today, Known: known})

	tests := []struct {
		check, name string
		want        check.Status
		wantReason  string
	}{
		{"test-privileged", "agent", check.Suppressed, "the CNI agent programs host networking"},
		{"test-privileged", "web", check.Suppressed, "debugging build, removed in the next release"},
		{"test-privileged", "bad", check.Fail, ""},
		{"test-named-bad", "bad", check.Fail, ""},
	}
	for _, tc := range tests {
		got, sup := statusOf(res, tc.check, tc.name)
		if got != tc.want {
			t.Errorf("%s on %s: status %q, want %q", tc.check, tc.name, got, tc.want)
			continue
		}
		if tc.want != check.Suppressed {
			if sup != nil {
				t.Errorf("%s on %s: unexpected suppression %+v", tc.check, tc.name, sup)
			}
			continue
		}
		if sup == nil || sup.Source != AnnotationSource || sup.Reason != tc.wantReason || sup.Expires != "" {
			t.Errorf("%s on %s: suppression %+v, want annotation with reason %q", tc.check, tc.name, sup, tc.wantReason)
		}
	}
	if sum.Suppressed != 2 {
		t.Errorf("Suppressed = %d, want 2", sum.Suppressed)
	}

	st := res.Stats["test-privileged"]
	if st.Failed != 1 || st.Suppressed != 2 {
		t.Errorf("stats after Apply = %+v, want 1 failed and 2 suppressed", st)
	}

	invalid := noticesOf(sum, InvalidAnnotation)
	if len(invalid) != 1 || !strings.Contains(invalid[0].Message, "has no reason") || invalid[0].Object.Name != "bad" {
		t.Errorf("invalid-annotation notices = %+v, want one about Pod bad", invalid)
	}
	if invalid[0].Location.Line != 36 {
		t.Errorf("invalid annotation reported at line %d, want 36", invalid[0].Location.Line)
	}
	unknown := noticesOf(sum, UnknownCheck)
	if len(unknown) != 1 || !strings.Contains(unknown[0].Message, `"test-no-such-check"`) {
		t.Errorf("unknown-check notices = %+v", unknown)
	}
	unused := noticesOf(sum, UnusedAnnotation)
	if len(unused) != 2 {
		t.Fatalf("unused-annotation notices = %+v, want two on Pod tidy", unused)
	}
	for _, n := range unused {
		if n.Object.Name != "tidy" {
			t.Errorf("unused annotation reported on %v, want Pod tidy", n.Object)
		}
		if n.Source != AnnotationSource || n.Match != `Pod "shop/tidy"` || n.Reason != "kept for the test" {
			t.Errorf("unused annotation notice fields = %+v", n)
		}
	}
}

func TestApplyNoAnnotations(t *testing.T) {
	inv, res := scan(t)
	sum := Apply(inv, res, Options{Today: today, Known: known, NoAnnotations: true})

	if sum.Suppressed != 0 {
		t.Errorf("Suppressed = %d, want 0 when annotations are turned off", sum.Suppressed)
	}
	if got, _ := statusOf(res, "test-privileged", "agent"); got != check.Fail {
		t.Errorf("annotated DaemonSet agent: status %q, want fail", got)
	}
	ignored := noticesOf(sum, IgnoredAnnotation)
	if len(ignored) != 4 {
		t.Errorf("ignored-annotation notices = %d, want one per annotation (4)", len(ignored))
	}
	if n := len(sum.Notices) - len(ignored); n != 0 {
		t.Errorf("got %d other notices, want none: %+v", n, sum.Notices)
	}
}

func TestApplyExceptions(t *testing.T) {
	inv, res := scan(t)
	exceptions := []config.Exception{
		{Check: "test-named-bad", Match: config.Match{Kind: "pod", Namespace: "shop", Name: "b*"}, Reason: "legacy name", Expires: "2026-03-15", Line: 2},
		{Check: "test-privileged", Match: config.Match{Name: "bad"}, Reason: "expired yesterday", Expires: "2026-03-14", Line: 7},
		{Check: "test-privileged", Match: config.Match{Namespace: "other"}, Reason: "matches nothing", Line: 12},
		{Check: "test-privileged", Match: config.Match{Kind: "DaemonSet"}, Reason: "overlaps the annotation", Line: 16},
	}
	sum := Apply(inv, res, Options{Today: today, Known: known, Exceptions: exceptions, ExceptionsFile: ".kubethreat.yaml"})

	got, sup := statusOf(res, "test-named-bad", "bad")
	if got != check.Suppressed {
		t.Fatalf("test-named-bad on bad: status %q, want suppressed through its expiry day", got)
	}
	want := check.Suppression{Source: ".kubethreat.yaml", Reason: "legacy name", Expires: "2026-03-15"}
	if *sup != want {
		t.Errorf("suppression = %+v, want %+v", *sup, want)
	}
	if got, _ := statusOf(res, "test-privileged", "bad"); got != check.Fail {
		t.Errorf("test-privileged on bad: status %q, want fail because its exception expired", got)
	}
	if _, sup := statusOf(res, "test-privileged", "agent"); sup == nil || sup.Source != AnnotationSource {
		t.Errorf("DaemonSet agent: suppression %+v, want the annotation, which is applied first", sup)
	}

	expired := noticesOf(sum, ExpiredException)
	if len(expired) != 1 || !strings.Contains(expired[0].Message, "expired on 2026-03-14") ||
		!strings.Contains(expired[0].Message, "1 finding(s) it matched now fail") || expired[0].Location.Line != 7 {
		t.Errorf("expired-exception notices = %+v", expired)
	}
	unused := noticesOf(sum, UnusedException)
	if len(unused) != 1 || unused[0].Location.Line != 12 || unused[0].Location.File != ".kubethreat.yaml" {
		t.Fatalf("unused-exception notices = %+v, want the one on line 12 only", unused)
	}
	if n := unused[0]; n.Source != ".kubethreat.yaml" || n.Check != "test-privileged" || n.Match != "namespace other" || n.Reason != "matches nothing" {
		t.Errorf("unused exception notice fields = %+v", n)
	}
	if st := res.Stats["test-named-bad"]; st.Failed != 0 || st.Suppressed != 1 {
		t.Errorf("test-named-bad stats = %+v", st)
	}
}

func TestApplyLeavesOtherStatuses(t *testing.T) {
	res := &check.Result{
		Stats: map[string]check.Stats{"test-privileged": {}},
		Findings: []check.Finding{
			{Check: "test-privileged", Status: check.NotEvaluated, Object: source.Ref{Kind: "Check", Name: "test-privileged"}},
			{Check: "test-privileged", Status: check.NotApplicable, Object: source.Ref{Kind: "Pod", Name: "x"}},
		},
	}
	exceptions := []config.Exception{{Check: "test-privileged", Reason: "all"}}
	sum := Apply(nil, res, Options{Today: today, Exceptions: exceptions, ExceptionsFile: "k.yaml"})
	if sum.Suppressed != 0 {
		t.Errorf("Suppressed = %d, want 0: only failing findings are suppressed", sum.Suppressed)
	}
	if res.Findings[0].Status != check.NotEvaluated || res.Findings[1].Status != check.NotApplicable {
		t.Errorf("statuses changed: %+v", res.Findings)
	}
	if len(noticesOf(sum, UnusedException)) != 1 {
		t.Errorf("notices = %+v, want the exception reported unused", sum.Notices)
	}
}

func TestDuplicateObjectsKeepTheirOwnAnnotations(t *testing.T) {
	a := `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {kubethreat.io/ignore: "test-privileged -- reviewed"}
spec: {containers: [{name: c, securityContext: {privileged: true}}]}
`
	b := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, securityContext: {privileged: true}}]}
`
	objA, _, err := source.DecodeYAML("a.yaml", []byte(a))
	if err != nil {
		t.Fatal(err)
	}
	objB, _, err := source.DecodeYAML("b.yaml", []byte(b))
	if err != nil {
		t.Fatal(err)
	}
	inv := check.NewInventory(append(objA, objB...))
	res, err := check.Run(context.Background(), inv, check.Options{Checks: []*check.Check{testPrivileged}})
	if err != nil {
		t.Fatal(err)
	}
	Apply(inv, res, Options{Today: today, Known: known})
	for _, f := range res.Findings {
		want := check.Fail
		if f.Location.File == "a.yaml" {
			want = check.Suppressed
		}
		if f.Status != want {
			t.Errorf("finding in %s: status %q, want %q", f.Location.File, f.Status, want)
		}
	}
}

func TestNearestCheckIDs(t *testing.T) {
	ids := []string{"pod-privileged", "pod-host-network", "pod-host-pid", "rbac-wildcard-role"}
	tests := []struct {
		id   string
		want string
	}{
		{"pod-priviledged", "pod-privileged"},
		{"pod-host-pdi", "pod-host-pid"},
		{"zzz", ""},
	}
	for _, tc := range tests {
		got := NearestCheckIDs(tc.id, ids, 1)
		if strings.Join(got, ",") != tc.want {
			t.Errorf("NearestCheckIDs(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

func TestApplySkipsChecksThatDidNotRun(t *testing.T) {
	inv, res := scan(t)
	exceptions := []config.Exception{
		{Check: "test-named-bad", Match: config.Match{Namespace: "other"}, Reason: "did not run", Line: 2},
		{Check: "test-privileged", Match: config.Match{Namespace: "other"}, Reason: "ran, matched nothing", Line: 5},
	}
	sum := Apply(inv, res, Options{Today: today, Known: known, Ran: []string{"test-privileged"},
		Exceptions: exceptions, ExceptionsFile: "k.yaml"})

	unusedEx := noticesOf(sum, UnusedException)
	if len(unusedEx) != 1 || unusedEx[0].Check != "test-privileged" {
		t.Errorf("unused-exception notices = %+v, want only the one for the check that ran", unusedEx)
	}
	for _, n := range noticesOf(sum, UnusedAnnotation) {
		if n.Check == "test-named-bad" {
			t.Errorf("annotation for test-named-bad, which did not run, reported unused: %+v", n)
		}
	}
	if len(noticesOf(sum, UnusedAnnotation)) != 1 {
		t.Errorf("unused-annotation notices = %+v, want the test-privileged entry on Pod tidy only", noticesOf(sum, UnusedAnnotation))
	}
}
