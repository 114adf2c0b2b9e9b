package admission

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
	checktest.Fixtures(t, "testdata", "admission-", check.Config{})
}

func TestFindingDetails(t *testing.T) {
	tests := []struct {
		id, file  string
		fieldPath string
		message   string
	}{
		{"admission-webhook-sidecar-injection", "testdata/admission-webhook-sidecar-injection/fail-opt-out-only.yaml", "webhooks[0].name",
			`webhook "proxy-injector.mesh.example.io" mutates every pod created in the cluster except where kubernetes.io/metadata.name NotIn [kube-system] and sends it to URL https://injector.mesh.example.io/inject`},
		{"admission-image-policy-present", "testdata/admission-image-policy-present/fail-kyverno-audit.yaml", "spec.validationFailureAction",
			`ClusterPolicy "allowed-registries" restricts which images pods may run but does not enforce it (validationFailureAction: Audit)`},
		{"admission-image-policy-present", "testdata/admission-image-policy-present/fail-other-namespace.yaml", "",
			`in namespaces ["shop"]`},
		{"admission-pod-security-enforced", "testdata/admission-pod-security-enforced/fail-privileged-level.yaml", "metadata.labels.pod-security.kubernetes.io/enforce",
			`sets pod-security.kubernetes.io/enforce: privileged, which blocks no privileged pod (ClusterPolicy "no-privileged" only audits)`},
		{"admission-pod-security-enforced", "testdata/admission-pod-security-enforced/fail-unlabelled.yaml", "metadata.labels",
			`Namespace "shop" has no pod-security.kubernetes.io/enforce label`},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, tt.file), check.Config{})
			for _, f := range res.Findings {
				if f.Status == check.Fail && f.FieldPath == tt.fieldPath && strings.Contains(f.Message, tt.message) {
					return
				}
			}
			t.Errorf("no failure at %q containing %q; findings: %+v", tt.fieldPath, tt.message, res.Findings)
		})
	}
}

func loadString(t *testing.T, doc string) *check.Inventory {
	t.Helper()
	objs, _, err := source.DecodeYAML("inline.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return check.NewInventory(objs)
}

func TestNoWorkloadsNothingEvaluated(t *testing.T) {
	inv := loadString(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n")
	for _, id := range []string{"admission-image-policy-present", "admission-exec-policy-present", "admission-pod-security-enforced"} {
		res := checktest.RunCheck(t, id, inv, check.Config{})
		if st := res.Stats[id]; st != (check.Stats{}) {
			t.Errorf("%s on an input without workloads: stats %+v, want none", id, st)
		}
	}
}

func TestMissingNamespaceNotEvaluated(t *testing.T) {
	inv := loadString(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n")
	res := checktest.RunCheck(t, "admission-pod-security-enforced", inv, check.Config{})
	st := res.Stats["admission-pod-security-enforced"]
	if st.NotEvaluated != 1 || st.Failed != 0 || st.Passed != 0 {
		t.Errorf("stats = %+v, want one not evaluated", st)
	}
}

func TestKyvernoScope(t *testing.T) {
	inv := loadString(t, `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  validationFailureAction: Enforce
  rules:
  - name: r
    match:
      any:
      - resources: {kinds: [Pod], namespaces: ["team-*"]}
    exclude:
      any:
      - resources: {namespaces: [team-legacy]}
    validate:
      pattern: {spec: {containers: [{image: "!*:latest"}]}}
`)
	policies := findPolicies(inv, controlImages)
	if len(policies) != 1 || !policies[0].Enforced {
		t.Fatalf("want one enforced image policy, got %+v", policies)
	}
	for ns, want := range map[string]bool{"team-a": true, "team-legacy": false, "shop": false} {
		if got := policies[0].Covers(ns); got != want {
			t.Errorf("Covers(%q) = %v, want %v", ns, got, want)
		}
	}
}

func TestOptsIn(t *testing.T) {
	tests := []struct {
		selector string
		want     bool
	}{
		{`{}`, false},
		{`{matchLabels: {inject: enabled}}`, true},
		{`{matchExpressions: [{key: inject, operator: In, values: [enabled]}]}`, true},
		{`{matchExpressions: [{key: inject, operator: Exists}]}`, true},
		{`{matchExpressions: [{key: inject, operator: NotIn, values: [disabled]}]}`, false},
		{`{matchExpressions: [{key: control-plane, operator: DoesNotExist}]}`, false},
	}
	for _, tt := range tests {
		inv := loadString(t, "apiVersion: v1\nkind: Selector\nmetadata: {name: s}\nsel: "+tt.selector+"\n")
		if got := optsIn(inv.Objects[0].Get("sel")); got != tt.want {
			t.Errorf("optsIn(%s) = %v, want %v", tt.selector, got, tt.want)
		}
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

// TestPolicyLibraries classifies real policies: the Kyverno and Gatekeeper
// libraries' image registry policies restrict images, their privileged
// container policies are pod security, and their other policies are
// neither.
func TestPolicyLibraries(t *testing.T) {
	root := corpusDir(t)
	tests := []struct {
		file     string
		control  control
		want     bool
		enforced bool
	}{
		{"kyverno-policies/best-practices/restrict-image-registries/restrict-image-registries.yaml", controlImages, true, false},
		{"kyverno-policies/best-practices/restrict-image-registries/restrict-image-registries.yaml", controlPodSecurity, false, false},
		{"kyverno-policies/pod-security/baseline/disallow-privileged-containers/disallow-privileged-containers.yaml", controlPodSecurity, true, false},
		{"kyverno-policies/pod-security/baseline/disallow-privileged-containers/disallow-privileged-containers.yaml", controlImages, false, false},
		{"kyverno-policies/best-practices/disallow-cri-sock-mount/disallow-cri-sock-mount.yaml", controlImages, false, false},
		{"kyverno-policies/other/require-netpol/require-netpol.yaml", controlImages, false, false},
		{"kyverno-policies/pod-security/baseline/disallow-host-path/disallow-host-path.yaml", controlPodSecurity, false, false},
		{"gatekeeper-library/library/general/allowedrepos/samples/repo-must-be-openpolicyagent/constraint.yaml", controlImages, true, true},
		{"gatekeeper-library/library/pod-security-policy/privileged-containers/samples/psp-privileged-container/constraint.yaml", controlPodSecurity, true, true},
		{"gatekeeper-library/library/pod-security-policy/host-namespaces/samples/psp-host-namespace/constraint.yaml", controlPodSecurity, false, false},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(root, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		objs, _, err := source.DecodeYAML(tt.file, data)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		found := findPolicies(check.NewInventory(objs), tt.control)
		if got := len(found) > 0; got != tt.want {
			t.Errorf("%s: found for control %d = %v, want %v", filepath.Base(tt.file), tt.control, got, tt.want)
			continue
		}
		if tt.want && found[0].Enforced != tt.enforced {
			t.Errorf("%s: enforced = %v, want %v", filepath.Base(tt.file), found[0].Enforced, tt.enforced)
		}
	}
}
