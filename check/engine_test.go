package check

import (
	"context"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/source"
)

func testObjects(t *testing.T) []*source.Object {
	t.Helper()
	objs, _, err := source.DecodeYAML("test.yaml", []byte(`apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns}
spec: {containers: [{name: c, image: bad}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func imageCheck(id string) *Check {
	return &Check{
		ID: id, Title: "t", Rationale: "r", Remediation: "fix it.", Severity: High,
		Techniques: []string{"MS-TA9002"}, Since: "0.1.0", Needs: []string{"pods", "cronjobs"},
		Object: func(_ *Context, o *source.Object, r *Reporter) {
			img := o.Get("spec.containers").Index(0).Field("image")
			if img.Str() == "bad" {
				r.Fail(img, img.Str(), "image is bad")
				return
			}
			r.Pass(o.Ref, o.Loc)
		},
	}
}

func TestRunCountsAndLocations(t *testing.T) {
	inv := NewInventory(testObjects(t))
	res, err := Run(context.Background(), inv, Options{Checks: []*Check{imageCheck("test-image")}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stats["test-image"]
	if st.Passed != 1 || st.Failed != 1 || st.Evaluated != 2 {
		t.Errorf("stats = %+v, want 1 passed, 1 failed, 2 evaluated", st)
	}
	f := res.Failed(Low)
	if len(f) != 1 {
		t.Fatalf("got %d failures, want 1", len(f))
	}
	if f[0].FieldPath != "spec.containers[0].image" || f[0].Location.Line != 9 || f[0].Location.File != "test.yaml" {
		t.Errorf("failure at %s %s, want spec.containers[0].image at test.yaml:9", f[0].FieldPath, f[0].Location)
	}
	if len(res.Failed(Critical)) != 0 {
		t.Error("Failed(Critical) returned a high-severity finding")
	}
}

func TestUnreadableResources(t *testing.T) {
	inv := NewInventory(testObjects(t))
	inv.Unreadable["cronjobs"] = "forbidden"
	inventoryCheck := &Check{
		ID: "test-inventory", Title: "t", Rationale: "r", Remediation: "fix it.", Severity: Low,
		Techniques: []string{"MS-TA9034"}, Since: "0.1.0", Needs: []string{"cronjobs"},
		Inventory: func(_ *Context, inv *Inventory, r *Reporter) {
			t.Error("an inventory check ran although a resource it needs is unreadable")
		},
	}
	res, err := Run(context.Background(), inv, Options{Checks: []*Check{imageCheck("test-image"), inventoryCheck}})
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Stats["test-image"]; st.Evaluated != 2 || st.NotEvaluated != 1 {
		t.Errorf("object check stats = %+v, want 2 evaluated and 1 not evaluated", st)
	}
	if st := res.Stats["test-inventory"]; st.NotEvaluated != 1 || st.Evaluated != 0 || st.Passed != 0 {
		t.Errorf("inventory check stats = %+v, want only 1 not evaluated", st)
	}
	for _, f := range res.Findings {
		if f.Status == NotEvaluated && !strings.Contains(f.Reason, "cronjobs (forbidden)") {
			t.Errorf("not-evaluated reason %q does not name the resource and why", f.Reason)
		}
	}
}

func TestPanickingCheckIsAnError(t *testing.T) {
	inv := NewInventory(testObjects(t))
	bad := imageCheck("test-panic")
	bad.Object = func(*Context, *source.Object, *Reporter) { panic("boom") }
	_, err := Run(context.Background(), inv, Options{Checks: []*Check{bad}})
	if err == nil || !strings.Contains(err.Error(), "test-panic") {
		t.Errorf("error = %v, want one naming the check", err)
	}
}

func TestRegisterRejectsIncompleteChecks(t *testing.T) {
	for _, c := range []*Check{
		{ID: "Bad ID"},
		{ID: "no-title", Techniques: []string{"MS-TA9001"}},
		{ID: "both-funcs", Title: "t", Rationale: "r", Remediation: "x.", Techniques: []string{"MS-TA9001"}, Since: "0.1.0",
			Object: func(*Context, *source.Object, *Reporter) {}, Inventory: func(*Context, *Inventory, *Reporter) {}},
	} {
		if err := c.validate(); err == nil {
			t.Errorf("check %q passed validation", c.ID)
		}
	}
}

func TestSeverityText(t *testing.T) {
	for _, name := range []string{"info", "low", "medium", "high", "critical"} {
		s, err := ParseSeverity(name)
		if err != nil || s.String() != name {
			t.Errorf("ParseSeverity(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error(`ParseSeverity("severe") succeeded`)
	}
}
