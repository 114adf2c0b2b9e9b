package workload_test

import (
	"path/filepath"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	_ "github.com/kubethreat/kubethreat/check/workload"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "workload-", check.Config{})
}

func TestWorkloadMessages(t *testing.T) {
	tests := []struct {
		id, file, path, message string
	}{
		{
			"workload-no-resource-limits", "workload-no-resource-limits/fail-no-limits.yaml", "spec.template.spec.containers[0].resources",
			`container "app" in Deployment "shop/api" has no cpu or memory limit, and no LimitRange in namespace shop sets a default; set resources.limits.cpu and resources.limits.memory`,
		},
		{
			"workload-no-resource-limits", "workload-no-resource-limits/fail-memory-only-in-init.yaml", "spec.initContainers[0].resources.limits",
			`init container "init" in Pod "shop/web" has no memory limit, and no LimitRange in namespace shop sets a default; set resources.limits.memory`,
		},
		{
			"workload-name-imitates-system", "workload-name-imitates-system/fail-typo.yaml", "metadata.name",
			`DaemonSet "kube-system/kube-proxxy" in kube-system has name "kube-proxxy", which imitates system component kube-proxy: it differs from it by 1 character; find out who created it and remove it if nobody owns it`,
		},
		{
			"workload-name-imitates-system", "workload-name-imitates-system/fail-suffix-without-owner.yaml", "metadata.name",
			`Pod "kube-system/coredns-7db6d8ff4d-x2k9q" in kube-system has name "coredns-7db6d8ff4d-x2k9q", which imitates system component coredns: it adds the suffix "-7db6d8ff4d-x2k9q"; find out who created it and remove it if nobody owns it`,
		},
		{
			"workload-name-imitates-system", "workload-name-imitates-system/fail-prefix.yaml", "metadata.name",
			`Deployment "kube-system/system-metrics-server" in kube-system has name "system-metrics-server", which imitates system component metrics-server: it adds the prefix "system-"; find out who created it and remove it if nobody owns it`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, filepath.Join("testdata", tt.file)), check.Config{})
			var got []check.Finding
			for _, f := range res.Findings {
				if f.Status == check.Fail {
					got = append(got, f)
				}
			}
			if len(got) != 1 {
				t.Fatalf("got %d failures, want 1: %+v", len(got), got)
			}
			if got[0].FieldPath != tt.path {
				t.Errorf("field path %q, want %q", got[0].FieldPath, tt.path)
			}
			if got[0].Message != tt.message {
				t.Errorf("message\n got %s\nwant %s", got[0].Message, tt.message)
			}
		})
	}
}
