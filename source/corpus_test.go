package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir returns the public test corpus beside the repository, or
// skips the test when it is absent.
func corpusDir(t testing.TB) string {
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
			t.Skip("go.mod not found above the package folder, so the corpus cannot be located")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("public test corpus not found at %s; these tests need it", corpus)
	}
	return corpus
}

func countKinds(res *LoadResult) map[string]int {
	out := map[string]int{}
	for _, o := range res.Objects {
		out[o.Kind]++
	}
	return out
}

func TestCorpusLoadsWhole(t *testing.T) {
	corpus := corpusDir(t)
	res := load(t, LoadOptions{Paths: []string{corpus}})
	t.Logf("corpus: %d objects, %d skipped %v, %d warnings, %d errors",
		len(res.Objects), res.Skipped, res.SkippedBy, len(res.Warnings), len(res.Errors))
	for _, e := range res.Errors {
		t.Errorf("unexpected error: %s", e)
	}
	// The only warnings are three duplicate keys in one kube-linter
	// fixture, where two objects lack the "---" between them.
	for _, w := range res.Warnings {
		if !strings.HasSuffix(w.File, filepath.Join("kube-linter", "tests", "checks", "cel.yml")) || !strings.HasPrefix(w.Message, "duplicate key") {
			t.Errorf("unexpected warning: %s", w)
		}
	}
	if len(res.Warnings) != 3 {
		t.Errorf("%d warnings, want 3", len(res.Warnings))
	}
	if len(res.Objects) < 2500 {
		t.Errorf("%d objects, want at least 2500", len(res.Objects))
	}
	for _, reason := range []string{SkipFalcoRules, SkipSigmaRule, SkipTestDefinition, SkipNotObject} {
		if res.SkippedBy[reason] == 0 {
			t.Errorf("no document skipped as %q; the corpus has such files", reason)
		}
	}
}

func TestCorpusFiles(t *testing.T) {
	corpus := corpusDir(t)
	tests := []struct {
		name  string
		path  string
		kinds map[string]int
		check func(t *testing.T, res *LoadResult)
	}{
		{
			// The tab in this file separates a value from a comment; it is
			// not indentation, and YAML and kubectl accept it. Its test
			// case expects one alert on the Role, so it must load.
			name:  "regolibrary tab file",
			path:  "regolibrary/rules/role-in-default-namespace/test/role/input/role.yaml",
			kinds: map[string]int{"Role": 1},
		},
		{
			name:  "kube-prometheus CRDs",
			path:  "kube-prometheus/manifests/setup",
			kinds: map[string]int{"CustomResourceDefinition": 10, "Namespace": 1},
			check: func(t *testing.T, res *LoadResult) {
				o := find(t, res, "CustomResourceDefinition", "prometheuses.monitoring.coreos.com")
				versions := o.Get("spec.versions")
				if versions.Len() == 0 || !versions.Index(0).Field("schema").Field("openAPIV3Schema").IsMap() {
					t.Error("the Prometheus CRD's schema is not readable")
				}
			},
		},
		{
			name:  "badPods",
			path:  "badPods",
			kinds: map[string]int{"Pod": 16, "Deployment": 16, "DaemonSet": 16, "Job": 16},
		},
		{
			name:  "kube-score Helm chart",
			path:  "kube-score/score/testdata/helm/app1",
			kinds: map[string]int{"Deployment": 2},
			check: func(t *testing.T, res *LoadResult) {
				for _, o := range res.Objects {
					if o.Origin != "helm" || o.Template != "app1/templates/deployment.yaml" {
						t.Errorf("%s: origin %q template %q, want helm app1/templates/deployment.yaml", o.Ref, o.Origin, o.Template)
					}
				}
			},
		},
		{
			name:  "kube-score chart template read raw",
			path:  "kube-score/score/testdata/helm/app1/templates/deployment.yaml",
			kinds: map[string]int{"Deployment": 2},
		},
		{
			name:  "microservices-demo kustomization",
			path:  "microservices-demo/kubernetes-manifests",
			kinds: map[string]int{"Deployment": 11, "Service": 12, "ServiceAccount": 10},
			check: func(t *testing.T, res *LoadResult) {
				for _, o := range res.Objects {
					if o.Origin != "kustomize" || o.Template == "" {
						t.Errorf("%s: origin %q template %q, want kustomize with a template", o.Ref, o.Origin, o.Template)
					}
				}
			},
		},
		{
			name:  "microservices-demo component",
			path:  "microservices-demo/kustomize/components/network-policies",
			kinds: map[string]int{"NetworkPolicy": 13},
		},
		{
			name:  "kyverno baseline kustomization",
			path:  "kyverno-policies/pod-security/baseline",
			kinds: map[string]int{"ClusterPolicy": 11},
		},
		{
			name:  "kube-score deprecated CronJob",
			path:  "kube-score/score/testdata/cronjob-batchv1beta1.yaml",
			kinds: map[string]int{"CronJob": 1},
			check: func(t *testing.T, res *LoadResult) {
				o := res.Objects[0]
				if o.APIVersion != "batch/v1beta1" || o.Group() != "batch" {
					t.Errorf("apiVersion %q group %q, want batch/v1beta1 kept and group batch", o.APIVersion, o.Group())
				}
				if repl, ok := Deprecated(o.APIVersion, o.Kind); !ok || repl != "batch/v1" {
					t.Errorf("Deprecated = %q, %v; want batch/v1", repl, ok)
				}
			},
		},
		{
			name:  "kubernetes-website flow YAML",
			path:  "kubernetes-website/content/en/examples/service/networking/network-policy-default-deny-all.yaml",
			kinds: map[string]int{"NetworkPolicy": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := load(t, LoadOptions{Paths: []string{filepath.Join(corpus, tt.path)}})
			got := countKinds(res)
			for kind, n := range tt.kinds {
				if got[kind] != n {
					t.Errorf("%d %s objects, want %d (all kinds: %v)", got[kind], kind, n, got)
				}
			}
			if len(res.Errors) != 0 {
				t.Errorf("errors: %q", diagnosticTexts(res.Errors))
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}
