package rbac

import (
	"slices"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// broadGroups are groups that every authenticated user, or every service
// account in the cluster, belongs to.
var broadGroups = []string{"system:authenticated", "system:serviceaccounts"}

// builtinPowerful and builtinHarmless classify default ClusterRoles that a
// manifest binds without defining them.
var (
	builtinPowerful = []string{"cluster-admin", "admin", "edit"}
	builtinHarmless = []string{"view", "system:basic-user", "system:discovery", "system:public-info-viewer"}
)

// powerfulMatchers are the rule tests of the other RBAC checks whose grants
// make a role dangerous to hand to everyone.
var powerfulMatchers = []func(rule) bool{
	isClusterWildcard,
	func(r rule) bool { v, _ := secretsRead.grantedBy(r, true); return len(v) > 0 },
	func(r rule) bool { v, _ := podExec.grantedBy(r, false); return len(v) > 0 },
	func(r rule) bool { return matchAll(r, createWorkloads, true) != "" },
	func(r rule) bool { v, _ := createCronJobs.grantedBy(r, true); return len(v) > 0 },
	func(r rule) bool { return matchAll(r, escalateBindImpersonate, false) != "" },
	func(r rule) bool { v, _ := nodesProxy.grantedBy(r, false); return len(v) > 0 },
	func(r rule) bool { v, _ := webhookWrite.grantedBy(r, true); return len(v) > 0 },
	func(r rule) bool { v, _ := tokenCreate.grantedBy(r, true); return len(v) > 0 },
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-authenticated-binding",
		Title: "Binding grants a powerful role to every authenticated user",
		Rationale: "Every user with any valid credential is in system:authenticated, and every service " +
			"account of every namespace is in system:serviceaccounts. Binding a role that can read secrets, " +
			"exec into pods, create workloads or change RBAC to either group gives that power to every " +
			"compromised pod and every leaked token. On some managed clusters system:authenticated has " +
			"included any account of the cloud provider.",
		Remediation: "Bind the role to the users, groups or service accounts that need it instead of " +
			"system:authenticated or system:serviceaccounts.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9029"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       bindingNeeds,
		Inventory:   authenticatedBindings,
	})
}

func authenticatedBindings(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	for _, b := range bindings(inv) {
		var broad []int
		for i, s := range b.Root().Field("subjects").Items() {
			if s.Field("kind").Str() == "Group" && slices.Contains(broadGroups, s.Field("name").Str()) {
				broad = append(broad, i)
			}
		}
		if len(broad) == 0 {
			r.Pass(b.Ref, b.Loc)
			continue
		}

		powerful, known := rolePower(inv, b)
		switch {
		case !known:
			r.NotEvaluated(b.Ref, b.Loc, roleRefString(b)+" is not in the input, so its permissions are unknown")
			continue
		case !powerful:
			r.Pass(b.Ref, b.Loc)
			continue
		}
		for _, i := range broad {
			s := b.Root().Field("subjects").Index(i)
			r.Fail(s, subjectName(s, b),
				"%s binds %s, which can read secrets, run code or change RBAC, to %s %s; bind it to the subjects that need it",
				b.Ref, roleRefString(b), subjectName(s, b), bindingScope(b))
		}
	}
}

// rolePower reports whether the role a binding refers to grants anything
// the powerful matchers look for; known is false when the role is neither
// in the input nor a default role with known permissions.
func rolePower(inv *check.Inventory, b *source.Object) (powerful, known bool) {
	if role := boundRole(inv, b); role != nil {
		rules, _, ok := effectiveRules(inv, role)
		if !ok {
			return false, false
		}
		for _, ru := range rules {
			for _, m := range powerfulMatchers {
				if m(ru) {
					return true, true
				}
			}
		}
		return false, true
	}
	ref := b.Root().Field("roleRef")
	if ref.Field("kind").Str() != "ClusterRole" {
		return false, false
	}
	name := ref.Field("name").Str()
	switch {
	case slices.Contains(builtinPowerful, name):
		return true, true
	case slices.Contains(builtinHarmless, name):
		return false, true
	}
	return false, false
}
