package clustertest

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/source/cluster"
)

// TestScanManagedServiceGuidance registers a node that looks like an EKS
// node and checks that the scan names the service and that failing
// findings carry the EKS guidance of their mitigations.
func TestScanManagedServiceGuidance(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	node, err := e.admin.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "kt-scan-eks-node-",
			Labels:       map[string]string{"eks.amazonaws.com/nodegroup": "workers"},
		},
		Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-1a/i-0123456789abcdef0"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.admin.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{})
	})
	ns := e.namespace(t, nil)
	privileged := true
	if _, err := e.admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "priv"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "registry.example/app:1",
			SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
		}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	res, _, out := scan(t, e.adminCfg, cluster.Options{Namespace: ns})
	if res.Info.Provider != "eks" {
		t.Fatalf("provider = %q, want eks", res.Info.Provider)
	}
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	assess.AttachServiceGuidance(m, res.Info.Provider, out)
	for _, f := range out.Findings {
		if f.Check != "pod-privileged" || f.Status != check.Fail {
			continue
		}
		if len(f.Guidance) == 0 {
			t.Fatal("the privileged pod's finding carries no managed-service guidance")
		}
		for _, g := range f.Guidance {
			if g.Service != "eks" || !strings.HasPrefix(g.Mitigation, "MS-M") || g.Text == "" {
				t.Errorf("guidance %+v is not EKS guidance from a mitigation", g)
			}
		}
		return
	}
	t.Fatal("the privileged pod was not reported")
}
