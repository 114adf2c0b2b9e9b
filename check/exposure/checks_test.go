package exposure

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	"github.com/kubethreat/kubethreat/source"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "exposure-", check.Config{})
}

func TestServiceSelects(t *testing.T) {
	labels := map[string]string{"app": "grafana", "tier": "ui"}
	tests := []struct {
		selector map[string]string
		want     bool
	}{
		{map[string]string{"app": "grafana"}, true},
		{map[string]string{"app": "grafana", "tier": "ui"}, true},
		{map[string]string{"app": "grafana", "tier": "api"}, false},
		{map[string]string{"app": "grafana", "zone": "a"}, false},
		{map[string]string{}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := serviceSelects(tt.selector, labels); got != tt.want {
			t.Errorf("serviceSelects(%v) = %v, want %v", tt.selector, got, tt.want)
		}
	}
}

func TestRepositoryPath(t *testing.T) {
	tests := map[string]string{
		"kubernetesui/dashboard:v2.7.0":                    "kubernetesui/dashboard",
		"docker.io/kubernetesui/dashboard:v2.7.0":          "kubernetesui/dashboard",
		"docker.io/library/redis:7":                        "redis",
		"localhost:5000/grafana/grafana@sha256:0123abcd":   "grafana/grafana",
		"quay.io/prometheus/prometheus:v2.54.1":            "prometheus/prometheus",
		"registry.example.com:8443/mirror/jenkins/jenkins": "mirror/jenkins/jenkins",
		"grafana": "grafana",
	}
	for image, want := range tests {
		if got := repositoryPath(image); got != want {
			t.Errorf("repositoryPath(%q) = %q, want %q", image, got, want)
		}
	}
	if imageMatches("quay.io/prometheus-operator/prometheus-operator:v0.76.0", []string{"prometheus/prometheus", "prom/prometheus"}) {
		t.Error("the Prometheus operator image must not count as Prometheus")
	}
	if !imageMatches("registry.example.com:8443/mirror/jenkins/jenkins:lts", []string{"jenkins/jenkins"}) {
		t.Error("a mirrored Jenkins image must count as Jenkins")
	}
}

func TestWeakLoginFlag(t *testing.T) {
	tests := []struct {
		word string
		name string
		on   bool
	}{
		{"--enable-skip-login", "enable-skip-login", true},
		{"--enable-skip-login=true", "enable-skip-login", true},
		{"--enable-skip-login=false", "enable-skip-login", false},
		{"-enable-insecure-login", "enable-insecure-login", true},
		{"--enable-insecure-login=1", "enable-insecure-login", true},
		{"--auto-generate-certificates", "", false},
		{"enable-skip-login", "", false},
	}
	for _, tt := range tests {
		name, on := weakLoginFlag(tt.word)
		if name != tt.name || on != tt.on {
			t.Errorf("weakLoginFlag(%q) = %q, %v; want %q, %v", tt.word, name, on, tt.name, tt.on)
		}
	}
}

func TestFindingDetails(t *testing.T) {
	tests := []struct {
		id, file  string
		fieldPath string
		message   string
	}{
		{"exposure-sensitive-interface", "testdata/exposure-sensitive-interface/fail-dashboard-loadbalancer.yaml", "spec.type",
			`Service "tools/dash-public" of type LoadBalancer exposes the Kubernetes dashboard (Deployment "tools/dashboard", image docker.io/kubernetesui/dashboard:v2.7.0)`},
		{"exposure-sensitive-interface", "testdata/exposure-sensitive-interface/fail-jenkins-ingress.yaml", "spec.rules[0].http.paths[0].backend.service.name",
			`Ingress "build/ci" routes host "ci.example.com" path "/" to Service "ci", which serves Jenkins`},
		{"exposure-sensitive-interface", "testdata/exposure-sensitive-interface/fail-grafana-hostport.yaml", "spec.template.spec.containers[0].ports[0].hostPort",
			"runs Grafana (image grafana/grafana:11.3.0) with hostPort 3000"},
		{"exposure-sensitive-interface", "testdata/exposure-sensitive-interface/fail-kubelet-nodeport.yaml", "spec.type",
			"exposes the kubelet API (port 10250)"},
		{"exposure-dashboard-insecure", "testdata/exposure-dashboard-insecure/fail-skip-login.yaml", "spec.template.spec.containers[0].args[1]",
			"with --enable-skip-login"},
		{"exposure-ssh-server", "testdata/exposure-ssh-server/fail-sshd-command.yaml", "spec.containers[0].args[0]",
			"args runs /usr/sbin/sshd"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, tt.file), check.Config{})
			for _, f := range res.Findings {
				if f.Status == check.Fail && f.FieldPath == tt.fieldPath && strings.Contains(f.Message, tt.message) {
					return
				}
			}
			t.Errorf("no failure at %s containing %q; findings: %+v", tt.fieldPath, tt.message, res.Findings)
		})
	}
}

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

// TestDashboardCorpus runs the dashboard checks on the dashboard's own
// v2.7.0 manifests: alternative.yaml serves plain HTTP with
// --enable-insecure-login, recommended.yaml does not; both keep the
// dashboard on a ClusterIP Service.
func TestDashboardCorpus(t *testing.T) {
	dir := corpusDir(t, "kubernetes-dashboard", "v2.7.0", "aio", "deploy")
	tests := []struct {
		file, id string
		wantFail bool
	}{
		{"alternative.yaml", "exposure-dashboard-insecure", true},
		{"recommended.yaml", "exposure-dashboard-insecure", false},
		{"alternative.yaml", "exposure-sensitive-interface", false},
		{"recommended.yaml", "exposure-sensitive-interface", false},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		objs, _, err := source.DecodeYAML(tt.file, data)
		if err != nil {
			t.Fatal(err)
		}
		res := checktest.RunCheck(t, tt.id, check.NewInventory(objs), check.Config{})
		st := res.Stats[tt.id]
		if got := st.Failed > 0; got != tt.wantFail {
			t.Errorf("%s: %s failed=%v, want %v (%+v)", tt.file, tt.id, got, tt.wantFail, res.Findings)
		}
		if st.Evaluated == 0 {
			t.Errorf("%s: %s evaluated nothing", tt.file, tt.id)
		}
	}
}

// TestRegolibraryCases runs the exposure checks on the regolibrary test
// cases of the rules that cover the same condition. A case is expected to
// fail when its expected.json lists alerts.
func TestRegolibraryCases(t *testing.T) {
	rules := corpusDir(t, "regolibrary", "rules")
	tests := []struct {
		rule, id string
		// disagree explains the cases where the check decides otherwise.
		disagree map[string]string
	}{
		{"exposed-sensitive-interfaces-v1", "exposure-sensitive-interface", map[string]string{
			"filter-multi-service": "the LoadBalancer Service selects a pod named and labelled kubernetes-dashboard, " +
				"which kubethreat counts as the dashboard whatever its image",
		}},
		{"rule-can-ssh-to-pod-v1", "exposure-ssh-server", map[string]string{
			"pod": "the only SSH evidence is port 2222 on a Service; the check looks at containers",
		}},
	}
	for _, tt := range tests {
		cases, _ := filepath.Glob(filepath.Join(rules, tt.rule, "test", "*"))
		for _, dir := range cases {
			name := filepath.Base(dir)
			expected, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			wantFail := strings.Contains(string(expected), "alertMessage")
			files, _ := filepath.Glob(filepath.Join(dir, "input", "*"))
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
			res := checktest.RunCheck(t, tt.id, check.NewInventory(objs), check.Config{})
			got := res.Stats[tt.id].Failed > 0
			reason, known := tt.disagree[name]
			switch {
			case got == wantFail && known:
				t.Errorf("%s/%s: listed as a disagreement (%s) but now agrees", tt.rule, name, reason)
			case got != wantFail && !known:
				t.Errorf("%s/%s: %s failed=%v, regolibrary expects alerts=%v", tt.rule, name, tt.id, got, wantFail)
			case got != wantFail:
				t.Logf("disagree %s/%s: %s", tt.rule, name, reason)
			}
		}
	}
}
