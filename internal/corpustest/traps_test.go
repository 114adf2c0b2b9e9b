package corpustest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/source"
)

// findingsOn returns the statuses of a check's findings on the named
// object, such as "fail" or "pass".
func (r scanResult) findingsOn(checkID, name string) []string {
	var out []string
	if r.doc == nil {
		return nil
	}
	for _, f := range r.doc.Findings {
		if f.Check == checkID && f.Object.Name == name {
			out = append(out, string(f.Status))
		}
	}
	return out
}

func TestKubePrometheusLoads(t *testing.T) {
	dir := corpusPath(t, "kube-prometheus", "manifests")
	res, err := source.Load(context.Background(), source.LoadOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(res.Errors, res.Warnings...) {
		t.Errorf("loading kube-prometheus: %s", d)
	}
	crds := 0
	for _, o := range res.Objects {
		if o.Kind == "CustomResourceDefinition" {
			crds++
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "setup", "0*CustomResourceDefinition.yaml"))
	if crds != len(files) || crds == 0 {
		t.Errorf("loaded %d CustomResourceDefinitions, want one per file in setup (%d), the largest over 800 KB", crds, len(files))
	}

	scanned := scan(t, "", dir)
	if scanned.code == 2 || scanned.doc == nil {
		t.Fatalf("scan of kube-prometheus exited %d: %s", scanned.code, scanned.stderr)
	}
	if n := scanned.doc.Summary.Diagnostics.Errors; n != 0 {
		t.Errorf("scan of kube-prometheus reported %d input errors", n)
	}
	t.Logf("kube-prometheus: %d objects loaded; %d failing findings", len(res.Objects), scanned.doc.Summary.Status.Fail)
}

// TestNodeExporterReadOnlyRoot checks the first trap: node-exporter mounts
// the node's / read-only, which is sensitive but not writable.
func TestNodeExporterReadOnlyRoot(t *testing.T) {
	file := corpusPath(t, "kube-prometheus", "manifests", "nodeExporter-daemonset.yaml")
	res := scan(t, "", file, "--show-pass")

	if got := res.findingsOn("hostpath-writable", "node-exporter"); len(got) == 0 || contains(got, "fail") {
		t.Errorf("hostpath-writable on node-exporter: %v, want evaluated and not failed, because every hostPath mount is readOnly", got)
	}
	if got := res.findingsOn("hostpath-sensitive", "node-exporter"); !contains(got, "fail") {
		t.Logf("hostpath-sensitive on node-exporter: %v (a failure would be accepted: / and /sys are sensitive)", got)
	}

	// The control: the same DaemonSet with its mounts made writable must
	// fail, or the test above proves nothing.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	writable := strings.ReplaceAll(string(data), "readOnly: true", "readOnly: false")
	res = scan(t, writable, "-")
	if got := res.findingsOn("hostpath-writable", "node-exporter"); !contains(got, "fail") {
		t.Errorf("hostpath-writable on node-exporter with writable mounts: %v, want fail", got)
	}
}

const bindServiceAccount = `
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: trap-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ROLE
subjects:
- kind: ServiceAccount
  name: prometheus-adapter
  namespace: monitoring
`

// TestMetricsWildcardRole checks the second trap: a ClusterRole with every
// verb on every resource of the metrics.k8s.io group only, which is not
// cluster-admin.
func TestMetricsWildcardRole(t *testing.T) {
	file := corpusPath(t, "kube-prometheus", "manifests", "prometheusAdapter-clusterRoleServerResources.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	role := "resource-metrics-server-resources"
	if !strings.Contains(string(data), role) {
		t.Fatalf("%s no longer defines ClusterRole %s", file, role)
	}
	bound := string(data) + strings.Replace(bindServiceAccount, "ROLE", role, 1)

	res := scan(t, bound, "-", "--show-pass")
	for _, id := range []string{"rbac-cluster-admin-binding", "rbac-wildcard-role"} {
		if failed := res.failedObjects([]string{id}); len(failed) > 0 {
			t.Errorf("%s fails %v: the wildcard is limited to metrics.k8s.io", id, failed)
		}
		if !res.evaluated([]string{id}) {
			t.Errorf("%s evaluated nothing, so the trap was not exercised", id)
		}
	}

	// The control: the same role with the API group widened to "*" is a
	// real cluster-wide wildcard, bound to a service account.
	wide := strings.Replace(bound, "- metrics.k8s.io", `- "*"`, 1)
	res = scan(t, wide, "-")
	for _, id := range []string{"rbac-cluster-admin-binding", "rbac-wildcard-role"} {
		if !res.fails([]string{id}) {
			t.Errorf("%s passes a ClusterRole with * on every API group, bound to a service account", id)
		}
	}
}

func TestDashboardAlternative(t *testing.T) {
	dir := corpusPath(t, "kubernetes-dashboard", "v2.7.0", "aio", "deploy")
	alternative := filepath.Join(dir, "alternative.yaml")

	res := scan(t, "", alternative, "--show-pass")
	if got := res.findingsOn("exposure-dashboard-insecure", "kubernetes-dashboard"); !contains(got, "fail") {
		t.Errorf("exposure-dashboard-insecure on alternative.yaml: %v, want fail for --enable-insecure-login", got)
	}
	if got := res.findingsOn("exposure-sensitive-interface", "kubernetes-dashboard"); len(got) == 0 {
		t.Error("exposure-sensitive-interface did not evaluate the dashboard's Service")
	}
	exposed := false
	for _, ts := range res.doc.Techniques {
		exposed = exposed || (ts.ID == "MS-TA9005" && ts.Status == "exposed")
	}
	if !exposed {
		t.Error("MS-TA9005 Exposed sensitive interfaces is not exposed for alternative.yaml")
	}

	recommended := scan(t, "", filepath.Join(dir, "recommended.yaml"))
	if recommended.fails([]string{"exposure-dashboard-insecure"}) {
		t.Error("exposure-dashboard-insecure fails recommended.yaml, which keeps the secure login")
	}
}

// TestDashboardServiceExposure publishes alternative.yaml's plain-HTTP
// dashboard Service on a NodePort, which the exposure check must notice.
func TestDashboardServiceExposure(t *testing.T) {
	file := corpusPath(t, "kubernetes-dashboard", "v2.7.0", "aio", "deploy", "alternative.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	clusterIP := "spec:\n  ports:\n    - port: 80\n      targetPort: 9090\n"
	if !strings.Contains(string(data), clusterIP) {
		t.Fatalf("alternative.yaml no longer has the dashboard Service this test edits")
	}
	nodePort := strings.Replace(string(data), clusterIP, "spec:\n  type: NodePort\n  ports:\n    - port: 80\n      targetPort: 9090\n", 1)

	res := scan(t, nodePort, "-")
	if got := res.findingsOn("exposure-sensitive-interface", "kubernetes-dashboard"); !contains(got, "fail") {
		t.Errorf("exposure-sensitive-interface on the NodePort dashboard Service: %v, want fail", got)
	}
}
