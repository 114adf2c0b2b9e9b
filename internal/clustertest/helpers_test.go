// Package clustertest holds the integration tests of cluster scanning:
// they create objects in the test API server that scripts/testcluster.sh
// starts, scan it with the cluster reader and the checks, and assert the
// findings. Without the server they skip.
package clustertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/all" // registers the built-in checks
	"github.com/kubethreat/kubethreat/internal/testcluster"
	"github.com/kubethreat/kubethreat/source/cluster"
)

// env is what a test needs of the test cluster.
type env struct {
	admin      *kubernetes.Clientset
	adminCfg   *rest.Config
	restricted *rest.Config
	auditLog   string
}

func setup(t *testing.T) *env {
	t.Helper()
	admin, restricted, auditLog := testcluster.Config(t)
	client, err := kubernetes.NewForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	return &env{admin: client, adminCfg: admin, restricted: restricted, auditLog: auditLog}
}

// namespace creates a namespace with a generated name and the labels. The
// test cluster never finishes deleting namespaces, so none is deleted.
func (e *env) namespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ns, err := e.admin.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kt-scan-", Labels: labels},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// scan reads the cluster with cfg and runs every check over the result.
func scan(t *testing.T, cfg *rest.Config, opts cluster.Options) (*cluster.Result, *check.Inventory, *check.Result) {
	t.Helper()
	res := read(t, cfg, opts)
	inv := check.NewInventory(res.Objects)
	for name, reason := range res.Unreadable {
		inv.Unreadable[name] = reason
	}
	inv.Cluster = &check.ClusterInfo{Server: res.Info.Server, Version: res.Info.Version, Provider: res.Info.Provider}
	out, err := check.Run(context.Background(), inv, check.Options{KeepPasses: true})
	if err != nil {
		t.Fatalf("running the checks: %v", err)
	}
	return res, inv, out
}

// read reads the cluster with a copy of cfg tuned by the options.
func read(t *testing.T, cfg *rest.Config, opts cluster.Options) *cluster.Result {
	t.Helper()
	target := cluster.NewTarget(cfg, "kubethreat-test", opts)
	res, err := cluster.Read(context.Background(), target, opts)
	if err != nil {
		t.Fatalf("reading the cluster: %v", err)
	}
	return res
}

// findings returns the findings of a check on objects of a namespace, or
// on cluster-scoped objects when namespace is "".
func findings(res *check.Result, id, namespace string) []check.Finding {
	var out []check.Finding
	for _, f := range res.Findings {
		if f.Check == id && f.Object.Namespace == namespace {
			out = append(out, f)
		}
	}
	return out
}

// outcome returns the status of a check on one object, with the message,
// or "" when the check reported nothing on it. A failure wins over a pass.
func outcome(res *check.Result, id, kind, namespace, name string) (check.Status, string) {
	var status check.Status
	var msg string
	for _, f := range res.Findings {
		if f.Check != id || f.Object.Kind != kind || f.Object.Namespace != namespace || f.Object.Name != name {
			continue
		}
		if status != check.Fail {
			status, msg = f.Status, f.Message
		}
	}
	return status, msg
}

// expect asserts the status of a check on an object and, when want is a
// failure, that the message contains each of contains.
func expect(t *testing.T, res *check.Result, id, kind, namespace, name string, want check.Status, contains ...string) {
	t.Helper()
	got, msg := outcome(res, id, kind, namespace, name)
	if got != want {
		t.Errorf("%s on %s %s/%s: status %q (%s), want %q", id, kind, namespace, name, got, msg, want)
		return
	}
	for _, c := range contains {
		if !strings.Contains(msg, c) {
			t.Errorf("%s on %s %s/%s: message %q does not contain %q", id, kind, namespace, name, msg, c)
		}
	}
}

// userAgent returns a user agent unique to a test, to find its requests in
// the audit log.
func userAgent(t *testing.T) string {
	return fmt.Sprintf("kubethreat-test/%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}
