package assess

import (
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

func TestAttachServiceGuidance(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	res := &check.Result{Findings: []check.Finding{
		{Check: "pod-privileged", Status: check.Fail, Mitigations: []string{"MS-M9013", "MS-M9017"}},
		{Check: "pod-privileged", Status: check.Pass, Mitigations: []string{"MS-M9013"}},
	}}
	AttachServiceGuidance(m, "eks", res)
	g := res.Findings[0].Guidance
	if len(g) != 2 || g[0].Mitigation != "MS-M9013" || g[0].Service != "eks" {
		t.Fatalf("guidance = %+v, want EKS guidance from MS-M9013 and MS-M9017", g)
	}
	if !strings.Contains(g[0].Text, "Fargate") {
		t.Errorf("MS-M9013 EKS guidance = %q, want the EKS bullet", g[0].Text)
	}
	if len(res.Findings[1].Guidance) != 0 {
		t.Error("a passing finding got guidance")
	}

	AttachServiceGuidance(m, "", res)
	if len(res.Findings[0].Guidance) != 2 {
		t.Error("an unknown provider changed the findings")
	}
}
