package rbacgraph

import (
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/source"
)

const objectsYAML = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
---
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
  name: kubelet-reader
  labels: {example.com/aggregate-to-monitoring: "true"}
rules:
- {apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- {apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"]}
- {apiGroups: [""], resources: ["configmaps"], resourceNames: ["app"], verbs: ["get", "list"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exec, namespace: shop}
rules:
- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}
- {apiGroups: ["apps"], resources: ["*/scale"], verbs: ["update"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects:
- {kind: Group, name: "system:serviceaccounts:observability", apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secrets, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects:
- {kind: ServiceAccount, name: web}
- {kind: User, name: "system:serviceaccount:shop:api"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exec, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: exec}
subjects:
- {kind: Group, name: "system:serviceaccounts"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
subjects:
- {kind: ServiceAccount, name: web, namespace: shop}
`

func graph(t *testing.T) *Graph {
	t.Helper()
	objs, _, err := source.DecodeYAML("rbac.yaml", []byte(objectsYAML))
	if err != nil {
		t.Fatal(err)
	}
	return New(objs)
}

func TestAllowed(t *testing.T) {
	g := graph(t)
	tests := []struct {
		name                             string
		subject                          Subject
		verb, group, resource, namespace string
		wantPaths                        []string
	}{
		{
			name:    "cluster-admin through a ClusterRoleBinding",
			subject: ServiceAccount("ci", "deployer"), verb: "delete", group: "apps", resource: "deployments",
			wantPaths: []string{`ClusterRoleBinding "ci-admin" → ClusterRole "cluster-admin" → rules[0]`},
		},
		{
			name:    "aggregated rule through a namespace group",
			subject: ServiceAccount("observability", "agent"), verb: "get", resource: "nodes/proxy",
			wantPaths: []string{`ClusterRoleBinding "monitoring" (through group "system:serviceaccounts:observability") → ClusterRole "monitoring" aggregating ClusterRole "kubelet-reader" → rules[0]`},
		},
		{
			name:    "the namespace group does not reach other namespaces",
			subject: ServiceAccount("shop", "agent"), verb: "get", resource: "nodes/proxy",
		},
		{
			name:    "a RoleBinding to a ClusterRole grants in its namespace",
			subject: ServiceAccount("shop", "web"), verb: "list", resource: "secrets", namespace: "shop",
			wantPaths: []string{`RoleBinding "shop/secrets" → ClusterRole "secret-reader" → rules[0]`},
		},
		{
			name:    "a RoleBinding does not grant in every namespace",
			subject: ServiceAccount("shop", "web"), verb: "list", resource: "secrets",
		},
		{
			name:    "a RoleBinding does not grant in another namespace",
			subject: ServiceAccount("shop", "web"), verb: "list", resource: "secrets", namespace: "billing",
		},
		{
			name:    "a User subject with the service account's user name",
			subject: ServiceAccount("shop", "api"), verb: "get", resource: "secrets", namespace: "shop",
			wantPaths: []string{`RoleBinding "shop/secrets" → ClusterRole "secret-reader" → rules[0]`},
		},
		{
			name:    "resourceNames never allow list",
			subject: ServiceAccount("shop", "web"), verb: "list", resource: "configmaps", namespace: "shop",
		},
		{
			name:    "resourceNames allow get",
			subject: ServiceAccount("shop", "web"), verb: "get", resource: "configmaps", namespace: "shop",
			wantPaths: []string{`RoleBinding "shop/secrets" → ClusterRole "secret-reader" → rules[1]`},
		},
		{
			name:    "the group of every service account",
			subject: ServiceAccount("shop", "anyone"), verb: "create", resource: "pods/exec", namespace: "shop",
			wantPaths: []string{`RoleBinding "shop/exec" (through group "system:serviceaccounts") → Role "shop/exec" → rules[0]`},
		},
		{
			name:    "a subresource wildcard",
			subject: ServiceAccount("shop", "anyone"), verb: "update", group: "apps", resource: "deployments/scale", namespace: "shop",
			wantPaths: []string{`RoleBinding "shop/exec" (through group "system:serviceaccounts") → Role "shop/exec" → rules[1]`},
		},
		{
			name:    "a subresource wildcard does not match the resource",
			subject: ServiceAccount("shop", "anyone"), verb: "update", group: "apps", resource: "deployments", namespace: "shop",
		},
		{
			name:    "a user is not in service account groups",
			subject: Subject{Kind: KindUser, Name: "alice"}, verb: "create", resource: "pods/exec", namespace: "shop",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, gr := range g.Allowed(tt.subject, tt.verb, tt.group, tt.resource, tt.namespace) {
				got = append(got, gr.Path())
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantPaths, "\n") {
				t.Errorf("Allowed(%s, %s %s %q in %q):\n got %q\nwant %q", tt.subject, tt.verb, tt.resource, tt.group, tt.namespace, got, tt.wantPaths)
			}
		})
	}
}

func TestEffectiveRulesAggregation(t *testing.T) {
	const nested = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: outer}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: outer}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: middle, labels: {agg: outer}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: middle}}]
rules:
- {apiGroups: [""], resources: ["pods"], verbs: ["list"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: inner, labels: {agg: middle}}
rules:
- {apiGroups: [""], resources: ["pods"], verbs: ["list"]}
- {apiGroups: [""], resources: ["secrets"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: loop, labels: {agg: outer}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: outer}}]
`
	objs, _, err := source.DecodeYAML("agg.yaml", []byte(nested))
	if err != nil {
		t.Fatal(err)
	}
	g := New(objs)
	var got []string
	for _, r := range g.EffectiveRules(objs[0]) {
		got = append(got, r.Role.Name+": "+r.String())
	}
	want := []string{
		`inner: apiGroups=[""] resources=["pods"] verbs=["list"]`,
		`inner: apiGroups=[""] resources=["secrets"] verbs=["get"]`,
		`middle: apiGroups=[""] resources=["pods"] verbs=["list"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("effective rules of outer:\n got %q\nwant %q", got, want)
	}

	var middle []string
	for _, r := range g.EffectiveRules(objs[1]) {
		middle = append(middle, r.Role.Name+": "+r.String())
	}
	// middle's own copy of the pods rule is already held through inner.
	wantMiddle := []string{
		`inner: apiGroups=[""] resources=["pods"] verbs=["list"]`,
		`inner: apiGroups=[""] resources=["secrets"] verbs=["get"]`,
	}
	if strings.Join(middle, "\n") != strings.Join(wantMiddle, "\n") {
		t.Errorf("effective rules of middle:\n got %q\nwant %q", middle, wantMiddle)
	}
}

func TestRuleIsClusterAdmin(t *testing.T) {
	tests := []struct {
		rule Rule
		want bool
	}{
		{Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, true},
		{Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get"}}, false},
		{Rule{APIGroups: []string{""}, Resources: []string{"*"}, Verbs: []string{"*"}}, false},
		{Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}, ResourceNames: []string{"x"}}, false},
	}
	for _, tt := range tests {
		if got := tt.rule.IsClusterAdmin(); got != tt.want {
			t.Errorf("IsClusterAdmin(%s) = %v, want %v", tt.rule, got, tt.want)
		}
	}
}

func TestGrantsIgnoreMissingRole(t *testing.T) {
	g := graph(t)
	for _, gr := range g.Grants(ServiceAccount("shop", "web")) {
		if gr.Binding.Name == "dangling" {
			t.Errorf("grant through a binding to a missing role: %s", gr.Path())
		}
	}
}
