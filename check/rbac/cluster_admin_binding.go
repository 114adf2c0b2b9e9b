package rbac

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "rbac-cluster-admin-binding",
		Title: "Binding grants cluster-admin or an equivalent role",
		Rationale: "A ClusterRoleBinding to cluster-admin gives its subjects full control of the cluster; a " +
			"RoleBinding to it gives full control of the namespace, secrets included. A role in the input " +
			"whose rule grants every verb on every resource of every API group counts as cluster-admin. " +
			"The default binding of cluster-admin to the group system:masters, which the API server creates " +
			"itself, is skipped, and so is any binding whose only subject is system:masters: members of that " +
			"group bypass authorization anyway.",
		Remediation: "Bind a role that grants only what the subjects need; keep cluster-admin for break-glass " +
			"access outside everyday credentials.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9019"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       bindingNeeds,
		Inventory:   clusterAdminBindings,
	})
}

func clusterAdminBindings(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	for _, b := range bindings(inv) {
		what := adminEquivalent(inv, b)
		subjects := b.Root().Field("subjects")
		if what == "" || onlySystemMasters(subjects) {
			r.Pass(b.Ref, b.Loc)
			continue
		}
		var names []string
		for _, s := range subjects.Items() {
			names = append(names, subjectName(s, b))
		}
		ref := b.Root().Field("roleRef").Field("name")
		r.Fail(ref, roleRefString(b),
			"%s grants %s to %s %s; bind a role with only the permissions these subjects need",
			b.Ref, what, strings.Join(names, ", "), bindingScope(b))
	}
}

// adminEquivalent describes the cluster-admin-like role a binding grants,
// or returns "".
func adminEquivalent(inv *check.Inventory, b *source.Object) string {
	ref := b.Root().Field("roleRef")
	if ref.Field("kind").Str() == "ClusterRole" && ref.Field("name").Str() == "cluster-admin" {
		return "cluster-admin"
	}
	role := boundRole(inv, b)
	if role == nil {
		return ""
	}
	rules, _, _ := effectiveRules(inv, role)
	if slices.ContainsFunc(rules, isClusterWildcard) {
		return fmt.Sprintf("%s, which grants every verb on every resource,", role.Ref)
	}
	return ""
}

// onlySystemMasters reports whether every subject is the group
// system:masters; a binding without subjects does not count.
func onlySystemMasters(subjects source.Value) bool {
	items := subjects.Items()
	if len(items) == 0 {
		return true
	}
	for _, s := range items {
		if !isSubject(s, "Group", "system:masters") {
			return false
		}
	}
	return true
}
