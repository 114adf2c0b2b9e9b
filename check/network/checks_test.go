package network

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	"github.com/kubethreat/kubethreat/source"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "network-", check.Config{})
}

// decode parses a YAML stream into objects.
func decode(t *testing.T, doc string) []*source.Object {
	t.Helper()
	objs, _, err := source.DecodeYAML("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestSelectorMatches(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "frontend"}
	tests := []struct {
		selector string
		want     bool
		wantErr  bool
	}{
		{`{}`, true, false},
		{`{matchLabels: {app: web}}`, true, false},
		{`{matchLabels: {app: web, tier: backend}}`, false, false},
		{`{matchExpressions: [{key: tier, operator: In, values: [frontend, edge]}]}`, true, false},
		{`{matchExpressions: [{key: tier, operator: NotIn, values: [frontend]}]}`, false, false},
		{`{matchExpressions: [{key: zone, operator: NotIn, values: [a]}]}`, true, false},
		{`{matchExpressions: [{key: app, operator: Exists}]}`, true, false},
		{`{matchExpressions: [{key: app, operator: DoesNotExist}]}`, false, false},
		{`{matchExpressions: [{key: zone, operator: DoesNotExist}]}`, true, false},
		{`{matchLabels: {app: web}, matchExpressions: [{key: zone, operator: Exists}]}`, false, false},
		{`{matchExpressions: [{key: app, operator: In, values: []}]}`, false, true},
		{`{matchExpressions: [{key: app, operator: Exists, values: [web]}]}`, false, true},
		{`{matchExpressions: [{key: app, operator: Equals, values: [web]}]}`, false, true},
		{`{app: web}`, false, true},
	}
	for _, tt := range tests {
		objs := decode(t, "apiVersion: v1\nkind: Selector\nmetadata: {name: s}\nsel: "+tt.selector+"\n")
		got, err := SelectorMatches(objs[0].Get("sel"), labels)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("SelectorMatches(%s) = %v, %v; want %v, error %v", tt.selector, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPolicyTypesDefaults(t *testing.T) {
	tests := []struct {
		spec            string
		ingress, egress bool
	}{
		{`{podSelector: {}}`, true, false},
		{`{podSelector: {}, ingress: [{}]}`, true, false},
		{`{podSelector: {}, egress: [{}]}`, true, true},
		{`{podSelector: {}, egress: []}`, true, false},
		{`{podSelector: {}, policyTypes: [Egress], ingress: [{}]}`, false, true},
		{`{podSelector: {}, policyTypes: [Ingress, Egress]}`, true, true},
	}
	for _, tt := range tests {
		objs := decode(t, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: "+tt.spec+"\n")
		p := parsePolicy(objs[0])
		if p.Ingress != tt.ingress || p.Egress != tt.egress {
			t.Errorf("%s: ingress=%v egress=%v, want %v %v", tt.spec, p.Ingress, p.Egress, tt.ingress, tt.egress)
		}
	}
}

func TestPolicySelects(t *testing.T) {
	objs := decode(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: unnamespaced}
spec:
  podSelector: {}
`)
	tests := []struct {
		policy int
		w      workload
		want   bool
	}{
		{0, workload{Namespace: "shop", Labels: map[string]string{"app": "web"}}, true},
		{0, workload{Namespace: "shop", Labels: map[string]string{"app": "db"}}, false},
		{0, workload{Namespace: "other", Labels: map[string]string{"app": "web"}}, false},
		{1, workload{Namespace: "default"}, true},
		{1, workload{Namespace: "shop"}, false},
	}
	for i, tt := range tests {
		if got := parsePolicy(objs[tt.policy]).selects(tt.w); got != tt.want {
			t.Errorf("case %d: selects = %v, want %v", i, got, tt.want)
		}
	}
}

func TestIPBlockAllows(t *testing.T) {
	meta := netip.MustParseAddr("169.254.169.254")
	tests := []struct {
		block string
		want  bool
	}{
		{`{cidr: 0.0.0.0/0}`, true},
		{`{cidr: 0.0.0.0/0, except: [169.254.169.254/32]}`, false},
		{`{cidr: 0.0.0.0/0, except: [169.254.0.0/16]}`, false},
		{`{cidr: 0.0.0.0/0, except: [169.254.169.253/32]}`, true},
		{`{cidr: 169.254.169.254/32}`, true},
		{`{cidr: 10.0.0.0/8}`, false},
		{`{cidr: "::/0"}`, false},
		{`{cidr: not-a-cidr}`, false},
	}
	for _, tt := range tests {
		objs := decode(t, "apiVersion: v1\nkind: Block\nmetadata: {name: b}\nblock: "+tt.block+"\n")
		if got := ipBlockAllows(objs[0].Get("block"), meta); got != tt.want {
			t.Errorf("ipBlockAllows(%s, %s) = %v, want %v", tt.block, meta, got, tt.want)
		}
	}
	aws6 := netip.MustParseAddr("fd00:ec2::254")
	objs := decode(t, "apiVersion: v1\nkind: Block\nmetadata: {name: b}\nblock: {cidr: \"::/0\"}\n")
	if !ipBlockAllows(objs[0].Get("block"), aws6) {
		t.Error("::/0 must allow the IPv6 metadata address")
	}
}

func TestEgressRuleReaches(t *testing.T) {
	tests := []struct {
		rule string
		want bool
	}{
		{`{}`, true},
		{`{ports: [{port: 443}]}`, false},
		{`{ports: [{port: 80}]}`, true},
		{`{ports: [{port: 80, protocol: UDP}]}`, false},
		{`{ports: [{protocol: TCP}]}`, true},
		{`{ports: [{port: 1, endPort: 1024}]}`, true},
		{`{ports: [{port: 81, endPort: 1024}]}`, false},
		{`{ports: [{port: http}]}`, false},
		{`{to: [{podSelector: {}}]}`, false},
		{`{to: [{namespaceSelector: {}}]}`, false},
		{`{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 80}]}`, true},
		{`{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}`, false},
	}
	for _, tt := range tests {
		objs := decode(t, "apiVersion: v1\nkind: Rule\nmetadata: {name: r}\nrule: "+tt.rule+"\n")
		if _, got := egressRuleReaches(objs[0].Get("rule")); got != tt.want {
			t.Errorf("egressRuleReaches(%s) = %v, want %v", tt.rule, got, tt.want)
		}
	}
}

func TestNamespaceFindingListsWorkloads(t *testing.T) {
	res := checktest.RunCheck(t, "network-namespace-unprotected",
		checktest.Load(t, "testdata/network-namespace-unprotected/fail-not-selected.yaml"), check.Config{})
	var msgs []string
	for _, f := range res.Findings {
		if f.Status == check.Fail {
			msgs = append(msgs, f.Message)
			if f.Object.Kind != "Namespace" || f.Object.Name != "ops" {
				t.Errorf("finding object = %s, want Namespace \"ops\"", f.Object)
			}
			if f.Location.Line == 0 {
				t.Error("finding has no line")
			}
		}
	}
	if len(msgs) != 1 {
		t.Fatalf("want one failure for the namespace, got %d", len(msgs))
	}
	if !strings.Contains(msgs[0], `Pod "toolbox"`) || strings.Contains(msgs[0], `Pod "agent"`) {
		t.Errorf("message %q must list toolbox and not agent", msgs[0])
	}
}

func TestUnknownPolicyKindNotEvaluated(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cilium.yaml")
	doc := `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l3, namespace: shop}
spec:
  endpointSelector: {}
  ingress: [{fromEndpoints: [{}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: web, image: nginx}]
`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	res := checktest.RunCheck(t, "network-namespace-unprotected", checktest.Load(t, file), check.Config{})
	st := res.Stats["network-namespace-unprotected"]
	if st.NotEvaluated != 1 || st.Failed != 0 {
		t.Errorf("stats = %+v, want one not evaluated and no failure", st)
	}
}
