package rbac

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "rbac-", check.Config{})
}

// failures runs one check over a fixture file and returns its failing
// findings.
func failures(t *testing.T, id, file string) []check.Finding {
	t.Helper()
	res := checktest.RunCheck(t, id, checktest.Load(t, file), check.Config{})
	var out []check.Finding
	for _, f := range res.Findings {
		if f.Status == check.Fail {
			out = append(out, f)
		}
	}
	return out
}

func TestFindingLocations(t *testing.T) {
	tests := []struct {
		id, file  string
		fieldPath string
		line      int
		message   []string // substrings the message must contain
	}{
		{
			"rbac-secrets-read", "testdata/rbac-secrets-read/fail-cluster-list.yaml", "rules[0].verbs", 8,
			[]string{`ClusterRole "ingress-controller"`, "verbs [list watch] on secrets", "in all namespaces",
				`ServiceAccount "ingress/ingress-controller"`, "resourceNames"},
		},
		{
			"rbac-secrets-read", "testdata/rbac-secrets-read/fail-role-get-all.yaml", "rules[1].verbs", 12,
			[]string{`Role "shop/app-config"`, "verbs [get] on secrets", `in namespace "shop"`},
		},
		{
			"rbac-wildcard-role", "testdata/rbac-wildcard-role/fail-aggregated.yaml", "aggregationRule", 7,
			[]string{`ClusterRole "platform-admin"`, `rules[0] of the aggregated ClusterRole "platform-admin-core"`},
		},
		{
			"rbac-cluster-admin-binding", "testdata/rbac-cluster-admin-binding/fail-crb.yaml", "roleRef.name", 8,
			[]string{`ClusterRoleBinding "ci-admin" grants cluster-admin to ServiceAccount "ci/deployer" in all namespaces`},
		},
		{
			"rbac-anonymous-binding", "testdata/rbac-anonymous-binding/fail-anonymous-user.yaml", "subjects[1]", 14,
			[]string{`RoleBinding "shop/anon-read" binds Role "reader" to User "system:anonymous"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+filepath.Base(tt.file), func(t *testing.T) {
			fs := failures(t, tt.id, tt.file)
			if len(fs) == 0 {
				t.Fatal("want a failure, got none")
			}
			f := fs[0]
			if f.FieldPath != tt.fieldPath {
				t.Errorf("field path = %q, want %q", f.FieldPath, tt.fieldPath)
			}
			if f.Location.Line != tt.line {
				t.Errorf("line = %d, want %d", f.Location.Line, tt.line)
			}
			for _, want := range tt.message {
				if !strings.Contains(f.Message, want) {
					t.Errorf("message %q does not contain %q", f.Message, want)
				}
			}
		})
	}
}

func TestOneFailurePerRule(t *testing.T) {
	fs := failures(t, "rbac-webhook-write", "testdata/rbac-webhook-write/fail-mutating.yaml")
	if len(fs) != 1 {
		t.Fatalf("want one failure for one rule, got %d", len(fs))
	}
	want := "verbs [create update patch delete] on mutatingwebhookconfigurations, validatingwebhookconfigurations"
	if !strings.Contains(fs[0].Message, want) {
		t.Errorf("message %q does not contain %q", fs[0].Message, want)
	}
}

func TestAggregatedWithoutSourcesNotEvaluated(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "agg.yaml")
	doc := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: lonely}\n" +
		"aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {x: y}\n"
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	res := checktest.RunCheck(t, "rbac-wildcard-role", checktest.Load(t, file), check.Config{})
	st := res.Stats["rbac-wildcard-role"]
	if st.NotEvaluated != 1 || st.Passed != 0 || st.Failed != 0 {
		t.Errorf("stats = %+v, want one not evaluated and nothing else", st)
	}
}

// corpusDir returns the shared public corpus next to the repository, or
// skips the test when it is absent.
func corpusDir(t *testing.T, parts ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package folder")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "corpus"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("public corpus not available at %s: %v", p, err)
	}
	return p
}

// TestKubePrometheusGroupWildcard runs the RBAC checks that a wildcard
// could trip over the kube-prometheus metrics adapter roles: the
// ClusterRole that grants "*" on "*" of metrics.k8s.io only must not count
// as cluster-wide.
func TestKubePrometheusGroupWildcard(t *testing.T) {
	dir := corpusDir(t, "kube-prometheus", "manifests")
	files, _ := filepath.Glob(filepath.Join(dir, "prometheusAdapter-clusterRole*.yaml"))
	if len(files) == 0 {
		t.Skip("no prometheusAdapter ClusterRole files in the corpus")
	}
	for _, file := range files {
		inv := checktest.Load(t, file)
		for _, id := range []string{"rbac-wildcard-role", "rbac-cluster-admin-binding", "rbac-secrets-read", "rbac-create-workloads", "rbac-delete-workloads"} {
			res := checktest.RunCheck(t, id, inv, check.Config{})
			if n := res.Stats[id].Failed; n != 0 {
				t.Errorf("%s: %s failed %d times: %s", filepath.Base(file), id, n, res.Findings[0].Message)
			}
		}
	}
}

// TestIngressNginxSecrets checks that the ingress-nginx controller's
// ClusterRole, which lists and watches Secrets cluster-wide, fails
// rbac-secrets-read.
func TestIngressNginxSecrets(t *testing.T) {
	dir := corpusDir(t, "ingress-nginx")
	var files []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") && strings.Contains(path, "deploy/static") {
			files = append(files, path)
		}
		return nil
	})
	failed := 0
	for _, file := range files {
		data, _ := os.ReadFile(file)
		if !strings.Contains(string(data), "kind: ClusterRole\n") {
			continue
		}
		res := checktest.RunCheck(t, "rbac-secrets-read", checktest.Load(t, file), check.Config{})
		failed += res.Stats["rbac-secrets-read"].Failed
	}
	if len(files) == 0 {
		t.Skip("no ingress-nginx static deploy manifests in the corpus")
	}
	if failed == 0 {
		t.Error("want rbac-secrets-read to fail on the ingress-nginx ClusterRole, got no failure")
	}
}
