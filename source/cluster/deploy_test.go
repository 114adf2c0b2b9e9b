package cluster

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/cluster/rbacgraph"
	_ "github.com/kubethreat/kubethreat/check/pod" // the pod security checks run on the CronJob
	"github.com/kubethreat/kubethreat/source"
)

// loadDeploy decodes a manifest of the repository's deploy folder.
func loadDeploy(t *testing.T, name string) []*source.Object {
	t.Helper()
	file := filepath.Join("..", "..", "deploy", name)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	objs, _, err := source.DecodeYAML(file, data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return objs
}

var scanner = rbacgraph.ServiceAccount("kubethreat", "kubethreat")

func TestDeployGrantsEveryListedResource(t *testing.T) {
	g := rbacgraph.New(loadDeploy(t, "kubethreat-rbac.yaml"))
	resources := append(slices.Clone(Resources),
		// A Gatekeeper constraint resource, which discovery finds.
		Resource{Group: GatekeeperConstraintGroup, Resource: "k8srequiredlabels"})
	for _, r := range resources {
		grants := g.Allowed(scanner, "list", r.Group, r.Resource, "")
		if len(grants) == 0 {
			t.Errorf("deploy/kubethreat-rbac.yaml does not grant list on %s, which the scan lists", qualified(r))
			continue
		}
		wantRole := "kubethreat-reader"
		if r.Resource == "secrets" {
			wantRole = "kubethreat-secrets-metadata"
		}
		if role := grants[0].Role.Name; role != wantRole {
			t.Errorf("list on %s is granted by ClusterRole %s, want %s", qualified(r), role, wantRole)
		}
	}
	if len(g.Allowed(scanner, "get", "", KubeletConfigResource, "")) == 0 {
		t.Errorf("deploy/kubethreat-rbac.yaml does not grant get on %s", KubeletConfigResource)
	}
}

func TestDeployGrantsNoWriteVerbs(t *testing.T) {
	allowed := map[string][]string{
		"kubethreat-reader":           {"list"},
		"kubethreat-secrets-metadata": {"list"},
		"kubethreat-kubelet-config":   {"get"},
	}
	roles := 0
	for _, o := range loadDeploy(t, "kubethreat-rbac.yaml") {
		if o.Kind != "ClusterRole" && o.Kind != "Role" {
			continue
		}
		roles++
		want, ok := allowed[o.Name]
		if !ok {
			t.Errorf("unexpected %s in deploy/kubethreat-rbac.yaml", o.Ref)
			continue
		}
		for i, rule := range o.Get("rules").Items() {
			for _, verb := range rule.Field("verbs").Strings() {
				if !slices.Contains(want, verb) {
					t.Errorf("%s rules[%d] grants verb %q; only %v is expected", o.Ref, i, verb, want)
				}
			}
			if slices.Contains(rule.Field("apiGroups").Strings(), "*") {
				t.Errorf("%s rules[%d] grants every API group", o.Ref, i)
			}
		}
	}
	if roles != len(allowed) {
		t.Errorf("found %d roles, want %d", roles, len(allowed))
	}
}

func TestDeployReaderGrantsNoSecrets(t *testing.T) {
	var reader []*source.Object
	for _, o := range loadDeploy(t, "kubethreat-rbac.yaml") {
		if o.Name == "kubethreat-reader" {
			reader = append(reader, o)
		}
	}
	g := rbacgraph.New(reader)
	if grants := g.Allowed(scanner, "list", "", "secrets", ""); len(grants) > 0 {
		t.Errorf("kubethreat-reader grants list on secrets through %s; keep it in kubethreat-secrets-metadata", grants[0].Path())
	}
}

func TestDeployCronJobPassesPodChecks(t *testing.T) {
	inv := check.NewInventory(loadDeploy(t, "kubethreat-cronjob.yaml"))
	var podChecks []*check.Check
	for _, c := range check.All() {
		if strings.HasPrefix(c.ID, "pod-") {
			podChecks = append(podChecks, c)
		}
	}
	res, err := check.Run(context.Background(), inv, check.Options{Checks: podChecks})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Status == check.Fail {
			t.Errorf("%s: %s", f.Check, f.Message)
		}
	}
	if passed := res.Stats["pod-privileged"].Passed; passed != 1 {
		t.Errorf("pod-privileged passed %d objects, want the CronJob", passed)
	}
}
