package rbac

import (
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// parseRules decodes a Role document and returns its rules.
func parseRules(t *testing.T, doc string) []rule {
	t.Helper()
	objs, _, err := source.DecodeYAML("role.yaml", []byte(doc))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objs))
	}
	return ownRules(objs[0])
}

func oneRule(t *testing.T, body string) rule {
	t.Helper()
	rules := parseRules(t, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- "+body+"\n")
	if len(rules) != 1 {
		t.Fatalf("want one rule, got %d", len(rules))
	}
	return rules[0]
}

func TestGrants(t *testing.T) {
	tests := []struct {
		name     string
		rule     string
		group    string
		resource string
		verb     string
		want     bool
	}{
		{"exact core rule", `{apiGroups: [""], resources: [secrets], verbs: [get]}`, "", "secrets", "get", true},
		{"other verb", `{apiGroups: [""], resources: [secrets], verbs: [get]}`, "", "secrets", "list", false},
		{"verb star", `{apiGroups: [""], resources: [secrets], verbs: ["*"]}`, "", "secrets", "watch", true},
		{"group star", `{apiGroups: ["*"], resources: [secrets], verbs: [get]}`, "", "secrets", "get", true},
		{"other group", `{apiGroups: [apps], resources: [secrets], verbs: [get]}`, "", "secrets", "get", false},
		{"missing apiGroups", `{resources: [secrets], verbs: [get]}`, "", "secrets", "get", false},
		{"group-limited wildcard misses core", `{apiGroups: [metrics.k8s.io], resources: ["*"], verbs: ["*"]}`, "", "secrets", "get", false},
		{"group-limited wildcard hits its group", `{apiGroups: [metrics.k8s.io], resources: ["*"], verbs: ["*"]}`, "metrics.k8s.io", "pods", "get", true},
		{"resource star covers subresource", `{apiGroups: [""], resources: ["*"], verbs: [create]}`, "", "pods/exec", "create", true},
		{"parent does not cover subresource", `{apiGroups: [""], resources: [pods], verbs: [create]}`, "", "pods/exec", "create", false},
		{"exact subresource", `{apiGroups: [""], resources: [pods/exec], verbs: [create]}`, "", "pods/exec", "create", true},
		{"star-slash subresource", `{apiGroups: [""], resources: ["*/exec"], verbs: [create]}`, "", "pods/exec", "create", true},
		{"star-slash other subresource", `{apiGroups: [""], resources: ["*/scale"], verbs: [create]}`, "", "pods/exec", "create", false},
		{"star-slash needs a subresource", `{apiGroups: [apps], resources: ["*/scale"], verbs: [update]}`, "apps", "deployments", "update", false},
		{"slash-star is literal", `{apiGroups: [""], resources: ["pods/*"], verbs: [create]}`, "", "pods/exec", "create", false},
		{"names allow get", `{apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}`, "", "secrets", "get", true},
		{"names never allow create", `{apiGroups: [""], resources: [pods], resourceNames: [web], verbs: [create]}`, "", "pods", "create", false},
		{"names never allow deletecollection", `{apiGroups: [""], resources: [events], resourceNames: [e], verbs: ["*"]}`, "", "events", "deletecollection", false},
		{"names allow subresource create", `{apiGroups: [""], resources: [serviceaccounts/token], resourceNames: [ci], verbs: [create]}`, "", "serviceaccounts/token", "create", true},
		{"non-resource rule grants no resource", `{nonResourceURLs: ["*"], verbs: ["*"]}`, "", "secrets", "get", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := oneRule(t, tt.rule)
			if got := grants(r, tt.group, tt.resource, tt.verb); got != tt.want {
				t.Errorf("grants(%s, %q, %q, %q) = %v, want %v", tt.rule, tt.group, tt.resource, tt.verb, got, tt.want)
			}
		})
	}
}

func TestGrantsEveryObject(t *testing.T) {
	named := oneRule(t, `{apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get, list]}`)
	if grantsEveryObject(named, "", "secrets", "get") {
		t.Error("a rule limited by resourceNames must not grant every secret")
	}
	all := oneRule(t, `{apiGroups: [""], resources: [secrets], verbs: [list]}`)
	if !grantsEveryObject(all, "", "secrets", "list") {
		t.Error("a rule without resourceNames must grant every secret")
	}
}

func TestIsClusterWildcard(t *testing.T) {
	tests := []struct {
		rule string
		want bool
	}{
		{`{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}`, true},
		{`{apiGroups: ["*"], resources: ["*", secrets], verbs: [get, "*"]}`, true},
		{`{apiGroups: [metrics.k8s.io], resources: ["*"], verbs: ["*"]}`, false},
		{`{apiGroups: [""], resources: ["*"], verbs: ["*"]}`, false},
		{`{apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch]}`, false},
		{`{apiGroups: ["*"], resources: ["*"], resourceNames: [x], verbs: ["*"]}`, false},
	}
	for _, tt := range tests {
		if got := isClusterWildcard(oneRule(t, tt.rule)); got != tt.want {
			t.Errorf("isClusterWildcard(%s) = %v, want %v", tt.rule, got, tt.want)
		}
	}
}

func TestPermissionGrantedBy(t *testing.T) {
	r := oneRule(t, `{apiGroups: ["", events.k8s.io], resources: [events, pods], verbs: [delete, get]}`)
	verbs, resources := deleteEvents.grantedBy(r, false)
	if len(verbs) != 1 || verbs[0] != "delete" || len(resources) != 1 || resources[0] != "events" {
		t.Errorf("grantedBy = %v on %v, want [delete] on [events]", verbs, resources)
	}
	if got := describe(verbs, resources); got != "verbs [delete] on events" {
		t.Errorf("describe = %q", got)
	}
}

const aggregationInput = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {example.com/aggregate-to-monitoring: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-secrets
  labels: {example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: orphan}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {example.com/aggregate-to-nothing: "true"}
`

func TestEffectiveRulesAggregation(t *testing.T) {
	objs, _, err := source.DecodeYAML("agg.yaml", []byte(aggregationInput))
	if err != nil {
		t.Fatal(err)
	}
	inv := check.NewInventory(objs)

	rules, aggregated, ok := effectiveRules(inv, objs[0])
	if !aggregated || !ok || len(rules) != 1 {
		t.Fatalf("monitoring: aggregated=%v ok=%v rules=%d, want true true 1", aggregated, ok, len(rules))
	}
	if src := rules[0].Value.Object().Name; src != "monitoring-secrets" {
		t.Errorf("aggregated rule comes from %q, want monitoring-secrets", src)
	}

	if _, aggregated, ok := effectiveRules(inv, objs[2]); !aggregated || ok {
		t.Errorf("orphan: aggregated=%v ok=%v, want true false", aggregated, ok)
	}
}
