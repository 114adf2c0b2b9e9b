package all

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// concurrentInput returns objects that many checks share derived data for:
// service accounts bound to aggregated and wildcard roles, and pods that
// run as them.
func concurrentInput(t *testing.T, n int) *check.Inventory {
	t.Helper()
	var b strings.Builder
	b.WriteString(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg, labels: {}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {kt/agg: "true"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: part, labels: {kt/agg: "true"}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
`)
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa%[1]d, namespace: ns%[2]d}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb%[1]d, namespace: ns%[2]d}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[3]s}
subjects: [{kind: ServiceAccount, name: sa%[1]d, namespace: ns%[2]d}]
---
apiVersion: v1
kind: Pod
metadata: {name: p%[1]d, namespace: ns%[2]d, labels: {app: a%[1]d}}
spec:
  serviceAccountName: sa%[1]d
  containers: [{name: c, image: "registry.example/app:1", securityContext: {privileged: %[4]t}}]
`, i, i%7, []string{"agg", "all", "part"}[i%3], i%2 == 0)
	}
	objs, _, err := source.DecodeYAML("concurrent.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return check.NewInventory(objs)
}

// TestChecksRunConcurrently runs every registered check on a shared
// inventory with several workers. Run it with -race: checks run beside
// each other and share memoized indexes, so any unguarded shared state
// shows up here.
func TestChecksRunConcurrently(t *testing.T) {
	inv := concurrentInput(t, 300)
	first, err := check.Run(context.Background(), inv, check.Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if first.Stats["pod-privileged"].Failed != 150 {
		t.Errorf("pod-privileged failed %d times, want 150", first.Stats["pod-privileged"].Failed)
	}
	again, err := check.Run(context.Background(), concurrentInput(t, 300), check.Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Findings) != len(again.Findings) {
		t.Fatalf("runs found %d and %d findings", len(first.Findings), len(again.Findings))
	}
	for i := range first.Findings {
		if first.Findings[i].Message != again.Findings[i].Message {
			t.Fatalf("finding %d differs between runs:\n%s\n%s", i, first.Findings[i].Message, again.Findings[i].Message)
		}
	}
}
