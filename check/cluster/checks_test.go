package cluster

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	"github.com/kubethreat/kubethreat/source"
	"github.com/kubethreat/kubethreat/source/cluster"
)

// fixtureClock is the time the events fixtures are written against.
var fixtureClock = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	now = func() time.Time { return fixtureClock }
	os.Exit(m.Run())
}

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "cluster-", check.Config{})
}

// failures returns the messages of the failing findings of a check.
func failures(res *check.Result, id string) []string {
	var out []string
	for _, f := range res.Findings {
		if f.Check == id && f.Status == check.Fail {
			out = append(out, f.Message)
		}
	}
	return out
}

func TestPowerfulServiceAccountMessage(t *testing.T) {
	inv := checktest.Load(t, "testdata/cluster-powerful-service-account-pods/fail-cluster-admin-binding.yaml")
	res := checktest.RunCheck(t, "cluster-powerful-service-account-pods", inv, check.Config{})
	msgs := failures(res, "cluster-powerful-service-account-pods")
	if len(msgs) != 1 {
		t.Fatalf("got %d failures, want 1: %q", len(msgs), msgs)
	}
	for _, want := range []string{
		`Pod "ci/deployer" runs as ServiceAccount "ci/deployer"`,
		`use every verb on every resource in all namespaces through ClusterRoleBinding "ci-deployer" → ClusterRole "cluster-admin" → rules[0]`,
	} {
		if !strings.Contains(msgs[0], want) {
			t.Errorf("message %q\ndoes not contain %q", msgs[0], want)
		}
	}
	f := res.Findings[0]
	if f.FieldPath != "spec.serviceAccountName" {
		t.Errorf("field path = %q, want spec.serviceAccountName", f.FieldPath)
	}
}

func TestPowerfulServiceAccountThroughGroup(t *testing.T) {
	inv := checktest.Load(t, "testdata/cluster-powerful-service-account-pods/fail-escalate-through-group.yaml")
	res := checktest.RunCheck(t, "cluster-powerful-service-account-pods", inv, check.Config{})
	msgs := failures(res, "cluster-powerful-service-account-pods")
	want := `Deployment "tools/helper" runs as ServiceAccount "tools/default", which can bind on clusterroles in all namespaces through ClusterRoleBinding "tools-binder" (through group "system:serviceaccounts:tools") → ClusterRole "role-binder" → rules[0]`
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], want) {
		t.Errorf("failures = %q\nwant one starting with %q", msgs, want)
	}
}

func TestPowerChecksNotEvaluatedWithoutRBAC(t *testing.T) {
	inv := checktest.Load(t, "testdata/cluster-powerful-service-account-pods/fail-cluster-admin-binding.yaml")
	inv.Unreadable["clusterrolebindings"] = "forbidden: the scanning identity lacks list on clusterrolebindings.rbac.authorization.k8s.io"
	for _, id := range []string{
		"cluster-powerful-service-account-pods", "cluster-service-account-pods-read-secrets",
		"cluster-service-account-pods-create-pods", "cluster-service-account-pods-nodes-proxy",
	} {
		res := checktest.RunCheck(t, id, inv, check.Config{})
		st := res.Stats[id]
		if st.NotEvaluated != 1 || st.Passed != 0 || st.Failed != 0 {
			t.Errorf("%s stats = %+v, want only one not evaluated", id, st)
		}
		if !strings.Contains(res.Findings[0].Reason, "lacks list on clusterrolebindings") {
			t.Errorf("%s reason = %q, want the missing permission", id, res.Findings[0].Reason)
		}
	}
}

func TestStaticPodMessages(t *testing.T) {
	inv := checktest.Load(t, "testdata/cluster-static-pod/fail-outside-kube-system.yaml")
	res := checktest.RunCheck(t, "cluster-static-pod", inv, check.Config{})
	msgs := failures(res, "cluster-static-pod")
	want := `Pod "default/miner-node-1" is a static pod of node "node-1" in namespace "default"`
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], want) {
		t.Errorf("failures = %q, want one starting with %q", msgs, want)
	}
	if res.Findings[0].FieldPath != "metadata.annotations.kubernetes.io/config.mirror" {
		t.Errorf("field path = %q", res.Findings[0].FieldPath)
	}
}

func TestEventsMissingMessage(t *testing.T) {
	inv := checktest.Load(t, "testdata/cluster-events-missing/fail-no-scheduled-event.yaml")
	inv.Cluster = &check.ClusterInfo{Provider: cluster.ProviderEKS}
	res := checktest.RunCheck(t, "cluster-events-missing", inv, check.Config{})
	msgs := failures(res, "cluster-events-missing")
	for _, want := range []string{
		`Pod "shop/web" was scheduled 20m0s ago (2026-03-01T11:40:00Z), within the event TTL of 1h0m0s`,
		"on EKS, enable the audit control plane log type",
	} {
		if len(msgs) != 1 || !strings.Contains(msgs[0], want) {
			t.Errorf("failures = %q, want one containing %q", msgs, want)
		}
	}
}

func TestEventsMissingNotEvaluated(t *testing.T) {
	tests := []struct {
		name, yaml, reason string
	}{
		{
			name: "no recently scheduled pod",
			yaml: `
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: shop, uid: u1}
spec: {containers: [{name: a, image: a}]}
`,
			reason: "no pod in the scan was scheduled by the default scheduler in the last 50m0s",
		},
		{
			name: "a short event TTL from the API server's flags",
			yaml: `
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp-1, namespace: kube-system, annotations: {kubernetes.io/config.mirror: x}}
spec:
  nodeName: cp-1
  containers: [{name: kube-apiserver, image: k, command: [kube-apiserver, --event-ttl=30m]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: u2}
spec: {nodeName: n, containers: [{name: a, image: a}]}
status:
  conditions: [{type: PodScheduled, status: "True", lastTransitionTime: "2026-03-01T11:35:00Z"}]
`,
			reason: "in the last 20m0s",
		},
		{
			name: "a pod of another scheduler",
			yaml: `
apiVersion: v1
kind: Pod
metadata: {name: batch, namespace: shop, uid: u3}
spec: {schedulerName: volcano, nodeName: n, containers: [{name: a, image: a}]}
status:
  conditions: [{type: PodScheduled, status: "True", lastTransitionTime: "2026-03-01T11:55:00Z"}]
`,
			reason: "no pod in the scan was scheduled by the default scheduler",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, _, err := source.DecodeYAML("events.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			inv := check.NewInventory(objs)
			inv.Cluster = &check.ClusterInfo{Server: "https://127.0.0.1:6443"}
			res := checktest.RunCheck(t, "cluster-events-missing", inv, check.Config{})
			st := res.Stats["cluster-events-missing"]
			if st.NotEvaluated != 1 || st.Evaluated != 0 {
				t.Fatalf("stats = %+v, want one not evaluated and nothing evaluated", st)
			}
			if !strings.Contains(res.Findings[0].Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", res.Findings[0].Reason, tt.reason)
			}
		})
	}
}

func TestEventsMissingSkipsManifests(t *testing.T) {
	inv := checktest.Load(t, "testdata/cluster-static-pod/pass-control-plane.yaml")
	res := checktest.RunCheck(t, "cluster-events-missing", inv, check.Config{})
	if n := len(res.Findings); n != 0 {
		t.Errorf("a manifest scan got %d findings, want none: %q", n, res.Findings[0].Message)
	}
}

func TestKubeletChecksNeedNodesProxy(t *testing.T) {
	var kubelet []*check.Check
	for _, c := range check.All() {
		if strings.HasPrefix(c.ID, "node-kubelet-") {
			kubelet = append(kubelet, c)
		}
	}
	if len(kubelet) == 0 {
		t.Fatal("no node-kubelet-* check is registered")
	}

	// Without nodes/proxy, a cluster scan reads no kubelet configuration,
	// only the Node objects.
	node := `
apiVersion: v1
kind: Node
metadata: {name: node-1}
`
	objs, _, err := source.DecodeYAML("node.yaml", []byte(node))
	if err != nil {
		t.Fatal(err)
	}
	inv := check.NewInventory(objs)
	inv.Unreadable[cluster.KubeletConfigResource] = "forbidden: the scanning identity lacks get on nodes/proxy"
	res, err := check.Run(context.Background(), inv, check.Options{Checks: kubelet})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range kubelet {
		st := res.Stats[c.ID]
		if st.NotEvaluated != 1 || st.Evaluated != 0 {
			t.Errorf("%s stats = %+v, want not evaluated when nodes/proxy is unreadable", c.ID, st)
		}
	}
	for _, f := range res.Findings {
		if !strings.Contains(f.Reason, "lacks get on nodes/proxy") {
			t.Errorf("%s reason = %q, want the missing nodes/proxy permission", f.Check, f.Reason)
		}
	}
}
