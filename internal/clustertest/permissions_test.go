package clustertest

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/internal/testcluster"
	"github.com/kubethreat/kubethreat/source/cluster"
)

func TestScanWithoutPermissions(t *testing.T) {
	e := setup(t)
	res, _, out := scan(t, e.restricted, cluster.Options{AllNamespaces: true})

	if len(res.Objects) != 0 {
		t.Errorf("the restricted user read %d objects, want none", len(res.Objects))
	}
	for _, r := range cluster.Resources {
		if r.Optional {
			continue
		}
		reason := res.Unreadable[r.Name()]
		if !strings.Contains(reason, "lacks list on "+r.Resource) {
			t.Errorf("unreadable reason of %s = %q, want it to name the missing list", r.Name(), reason)
		}
	}

	checked := 0
	for _, c := range check.All() {
		if len(c.Needs) == 0 {
			continue
		}
		checked++
		st := out.Stats[c.ID]
		if st.Passed != 0 || st.Failed != 0 || st.Evaluated != 0 {
			t.Errorf("%s evaluated objects it could not read: %+v", c.ID, st)
		}
		if st.NotEvaluated == 0 {
			t.Errorf("%s is not reported not evaluated: %+v", c.ID, st)
		}
	}
	if checked == 0 {
		t.Fatal("no registered check declares the resources it needs")
	}

	var reasons []string
	for _, f := range findings(out, "pod-privileged", "") {
		if f.Status != check.NotEvaluated {
			t.Errorf("pod-privileged finding %s %q, want only not evaluated", f.Status, f.Message)
		}
		reasons = append(reasons, f.Reason)
	}
	if !strings.Contains(strings.Join(reasons, "\n"), "lacks list on pods in all namespaces") {
		t.Errorf("pod-privileged reasons %q, want one for the missing list on pods", reasons)
	}
	for _, f := range findings(out, "cluster-powerful-service-account-pods", "") {
		if !strings.Contains(f.Reason, "lacks list on clusterrolebindings.rbac.authorization.k8s.io") {
			t.Errorf("cluster-powerful-service-account-pods reason %q, want the missing list on clusterrolebindings", f.Reason)
		}
	}
}

// TestScanWithPartialPermissions lets the restricted user list pods in
// one namespace and nothing else.
func TestScanWithPartialPermissions(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	ns := e.namespace(t, nil)
	rbac := e.admin.RbacV1()
	if _, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-lister"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-lister"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-lister"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: testcluster.RestrictedUser}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	priv := badPods()[0]
	if _, err := e.admin.CoreV1().Pods(ns).Create(ctx, priv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	res, _, out := scan(t, e.restricted, cluster.Options{Namespace: ns})
	if res.Listed["pods"] != 1 {
		t.Errorf("listed %d pods, want 1", res.Listed["pods"])
	}
	if _, ok := res.Unreadable["pods"]; ok {
		t.Errorf("pods are unreadable: %s", res.Unreadable["pods"])
	}

	// pod-privileged still fails the pod it read, and is not evaluated for
	// the workload resources it could not.
	expect(t, out, "pod-privileged", "Pod", ns, "priv", check.Fail)
	var reasons []string
	for _, f := range findings(out, "pod-privileged", "") {
		if f.Status == check.NotEvaluated {
			reasons = append(reasons, f.Reason)
		}
	}
	want := `lacks list on deployments.apps in namespace "` + ns + `"`
	if !strings.Contains(strings.Join(reasons, "\n"), want) {
		t.Errorf("pod-privileged not-evaluated reasons %q, want one containing %q", reasons, want)
	}
	if st := out.Stats["pod-privileged"]; st.Passed != 0 {
		t.Errorf("pod-privileged passed %d objects, want none", st.Passed)
	}
}

// TestScanKubeletConfigNeedsNodesProxy scans as a user who may list nodes
// but not get nodes/proxy.
func TestScanKubeletConfigNeedsNodesProxy(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{GenerateName: "kt-scan-node-"}}
	created, err := e.admin.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.admin.CoreV1().Nodes().Delete(context.Background(), created.Name, metav1.DeleteOptions{})
	})
	role, err := e.admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kt-scan-node-lister-"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.admin.RbacV1().ClusterRoles().Delete(context.Background(), role.Name, metav1.DeleteOptions{})
	})
	binding, err := e.admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: testcluster.RestrictedUser}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.admin.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})

	res, _, out := scan(t, e.restricted, cluster.Options{AllNamespaces: true})
	if res.Listed["nodes"] == 0 {
		t.Fatalf("listed no node; unreadable: %v", res.Unreadable)
	}
	reason := res.Unreadable[cluster.KubeletConfigResource]
	if !strings.Contains(reason, "lacks get on nodes/proxy") {
		t.Errorf("unreadable reason of %s = %q, want the missing get on nodes/proxy", cluster.KubeletConfigResource, reason)
	}
	st := out.Stats["node-kubelet-anonymous-auth"]
	if st.NotEvaluated == 0 || st.Evaluated != 0 {
		t.Errorf("node-kubelet-anonymous-auth stats %+v, want not evaluated", st)
	}
}
