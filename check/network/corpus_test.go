package network

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	"github.com/kubethreat/kubethreat/source"
)

// corpusDir returns a folder of the shared public corpus next to the
// repository, or skips the test when it is absent.
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

// loadFiles decodes several files into one inventory.
func loadFiles(t *testing.T, files ...string) *check.Inventory {
	t.Helper()
	var objs []*source.Object
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		decoded, _, err := source.DecodeYAML(file, data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		objs = append(objs, decoded...)
	}
	return check.NewInventory(objs)
}

// kubeScoreWarnings decides the kube-score fixtures graded as a warning.
// kube-score warns when a policy isolates a pod in one direction only, and
// network-namespace-unprotected looks at ingress alone.
var kubeScoreWarnings = map[string]bool{
	"networkpolicy-matching-only-ingress.yaml": false,
	"networkpolicy-matching-only-egress.yaml":  true,
}

// TestKubeScoreNetworkPolicies compares network-namespace-unprotected with
// kube-score's "Pod NetworkPolicy" grades: critical means a pod no policy
// selects, all-OK means every pod is selected.
func TestKubeScoreNetworkPolicies(t *testing.T) {
	corpus := corpusDir(t)
	f, err := os.Open(filepath.Join(corpus, "expected", "kube-score-tests.tsv"))
	if err != nil {
		t.Skipf("kube-score expectations not available: %v", err)
	}
	defer f.Close()

	const id = "network-namespace-unprotected"
	cases := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 || cols[1] != "Pod NetworkPolicy" {
			continue
		}
		fixture, grade := cols[0], cols[2]
		var wantFail bool
		switch grade {
		case "GradeCritical":
			wantFail = true
		case "GradeAllOK":
			wantFail = false
		case "GradeWarning":
			w, ok := kubeScoreWarnings[fixture]
			if !ok {
				t.Errorf("%s: no decision for kube-score grade %s", fixture, grade)
				continue
			}
			wantFail = w
		default:
			t.Errorf("%s: unknown kube-score grade %q", fixture, grade)
			continue
		}
		cases++
		inv := loadFiles(t, filepath.Join(corpus, "kube-score", "score", "testdata", fixture))
		res := checktest.RunCheck(t, id, inv, check.Config{})
		if got := res.Stats[id].Failed > 0; got != wantFail {
			t.Errorf("%s (kube-score %s): %s failed=%v, want %v; findings %+v", fixture, grade, id, got, wantFail, res.Findings)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cases == 0 {
		t.Skip("no Pod NetworkPolicy cases in the kube-score expectations")
	}
	t.Logf("checked %d kube-score NetworkPolicy fixtures", cases)
}

// TestWebsitePolicies checks the canonical examples of the Kubernetes
// documentation: allow-all-ingress is the opposite of a mitigation,
// default-deny-all is one.
func TestWebsitePolicies(t *testing.T) {
	dir := corpusDir(t, "kubernetes-website", "content", "en", "examples", "service", "networking")
	const id = "network-policy-allow-all"
	tests := []struct {
		file     string
		wantFail bool
	}{
		{"network-policy-allow-all-ingress.yaml", true},
		{"network-policy-default-deny-all.yaml", false},
	}
	for _, tt := range tests {
		res := checktest.RunCheck(t, id, loadFiles(t, filepath.Join(dir, tt.file)), check.Config{})
		st := res.Stats[id]
		if got := st.Failed > 0; got != tt.wantFail {
			t.Errorf("%s: %s failed=%v, want %v", tt.file, id, got, tt.wantFail)
		}
		if st.Evaluated == 0 {
			t.Errorf("%s: %s evaluated nothing", tt.file, id)
		}
	}
}

// TestMicroservicesDemo runs the network checks on the demo application,
// with and without its optional NetworkPolicies. Its policies deny all
// traffic by default and then allow all egress of each service.
func TestMicroservicesDemo(t *testing.T) {
	root := corpusDir(t, "microservices-demo")
	apps, _ := filepath.Glob(filepath.Join(root, "kubernetes-manifests", "*service.yaml"))
	policyFiles, _ := filepath.Glob(filepath.Join(root, "kustomize", "components", "network-policies", "network-policy-*.yaml"))
	if len(apps) == 0 || len(policyFiles) == 0 {
		t.Skip("microservices-demo manifests or policies missing")
	}

	bare := loadFiles(t, apps...)
	withPolicies := loadFiles(t, append(append([]string{}, apps...), policyFiles...)...)
	tests := []struct {
		id       string
		inv      *check.Inventory
		wantFail bool
	}{
		{"network-namespace-unprotected", bare, true},
		{"network-namespace-unprotected", withPolicies, false},
		{"network-metadata-egress-open", withPolicies, true},
		{"network-policy-allow-all", withPolicies, true},
	}
	for _, tt := range tests {
		res := checktest.RunCheck(t, tt.id, tt.inv, check.Config{})
		if got := res.Stats[tt.id].Failed > 0; got != tt.wantFail {
			t.Errorf("%s with %d objects: failed=%v, want %v", tt.id, len(tt.inv.Objects), got, tt.wantFail)
		}
	}
}
