package rbac

import (
	"fmt"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/network"
	"github.com/kubethreat/kubethreat/source"
)

// bootstrapLabel marks the roles and bindings the API server creates and
// reconciles itself, such as cluster-admin and its binding to
// system:masters. The checks skip them: they exist in every cluster and are
// not the scanned configuration's choice.
// NOTE: anyone who can write RBAC objects can also set this label, so a
// live-cluster scan trusts it.
const bootstrapLabel = "kubernetes.io/bootstrapping"

func isBootstrap(o *source.Object) bool {
	return o.Get("metadata.labels").Field(bootstrapLabel).Str() == "rbac-defaults"
}

// roleNeeds lists the resources the role checks read.
var roleNeeds = []string{"roles", "clusterroles", "rolebindings", "clusterrolebindings"}

// roles returns the Roles and ClusterRoles of the inventory that the checks
// evaluate, in input order.
func roles(inv *check.Inventory) []*source.Object {
	return inv.Memo(rolesKey{}, func() any {
		var out []*source.Object
		for _, o := range inv.Objects {
			if (o.Kind == "Role" || o.Kind == "ClusterRole") && isRBACGroup(o.APIVersion) && !isBootstrap(o) {
				out = append(out, o)
			}
		}
		return out
	}).([]*source.Object)
}

type rolesKey struct{}

func isRBACGroup(apiVersion string) bool {
	return strings.HasPrefix(apiVersion, "rbac.authorization.k8s.io/")
}

// effectiveRules returns the rules a role grants. A ClusterRole with an
// aggregationRule and no rules of its own gets its rules from the
// ClusterRoles in the input that its clusterRoleSelectors select, as the
// aggregation controller would fill them in; aggregated is then true, and
// ok is false when no ClusterRole in the input is selected. An aggregated
// ClusterRole read from a live cluster already carries the filled-in rules,
// which are used as they are.
func effectiveRules(inv *check.Inventory, o *source.Object) (rules []rule, aggregated, ok bool) {
	// Every RBAC check reads the rules of every role, so they are worked
	// out once per inventory. The index is built under the inventory's
	// memo, not an object's, because aggregation reads other roles.
	index := inv.Memo(effectiveRulesKey{}, func() any {
		m := map[*source.Object]effective{}
		for _, role := range inv.Objects {
			if role.Kind == "Role" || role.Kind == "ClusterRole" {
				var e effective
				e.rules, e.aggregated, e.ok = findEffectiveRules(inv, role)
				m[role] = e
			}
		}
		return m
	}).(map[*source.Object]effective)
	if e, found := index[o]; found {
		return e.rules, e.aggregated, e.ok
	}
	return findEffectiveRules(inv, o)
}

type effectiveRulesKey struct{}

// effective is the result of effectiveRules for one role.
type effective struct {
	rules          []rule
	aggregated, ok bool
}

func findEffectiveRules(inv *check.Inventory, o *source.Object) (rules []rule, aggregated, ok bool) {
	own := ownRules(o)
	agg := o.Root().Field("aggregationRule")
	if o.Kind != "ClusterRole" || !agg.Exists() || len(own) > 0 {
		return own, false, true
	}
	seen := map[*source.Object]bool{o: true}
	rules = aggregate(inv, agg, seen)
	return rules, true, len(rules) > 0
}

type ownRulesKey struct{}

// ownRules returns the rules a role lists itself, parsed once per object and
// shared by every RBAC check. Callers must not modify the slice.
func ownRules(o *source.Object) []rule {
	return o.Memo(ownRulesKey{}, func() any {
		var out []rule
		for i, v := range o.Root().Field("rules").Items() {
			out = append(out, parseRule(v, i))
		}
		return out
	}).([]rule)
}

func aggregate(inv *check.Inventory, agg source.Value, seen map[*source.Object]bool) []rule {
	var out []rule
	for _, cr := range inv.Kind("ClusterRole") {
		if seen[cr] || !selectedByAny(agg.Field("clusterRoleSelectors"), cr.Labels()) {
			continue
		}
		seen[cr] = true
		own := ownRules(cr)
		if nested := cr.Root().Field("aggregationRule"); nested.Exists() && len(own) == 0 {
			out = append(out, aggregate(inv, nested, seen)...)
			continue
		}
		out = append(out, own...)
	}
	return out
}

func selectedByAny(selectors source.Value, labels map[string]string) bool {
	for _, sel := range selectors.Items() {
		if ok, err := network.SelectorMatches(sel, labels); err == nil && ok {
			return true
		}
	}
	return false
}

// bindingsOf returns the bindings in the input that refer to a role. For a
// Role these are the RoleBindings of its namespace. For a ClusterRole they
// are every ClusterRoleBinding and RoleBinding that names it.
func bindingsOf(inv *check.Inventory, role *source.Object) []*source.Object {
	key := roleKey{kind: role.Kind, name: role.Name}
	if role.Kind == "Role" {
		key.namespace = role.Namespace
	}
	return bindingIndex(inv)[key]
}

// roleKey identifies the role a binding's roleRef names. The namespace is
// set only for Roles, which a RoleBinding can name only in its own namespace.
type roleKey struct{ kind, name, namespace string }

type bindingIndexKey struct{}

// bindingIndex returns the bindings of the input by the role they name,
// ClusterRoleBindings first, built once per inventory.
func bindingIndex(inv *check.Inventory) map[roleKey][]*source.Object {
	return inv.Memo(bindingIndexKey{}, func() any {
		index := map[roleKey][]*source.Object{}
		for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
			for _, b := range inv.Kind(kind) {
				ref := b.Root().Field("roleRef")
				key := roleKey{kind: ref.Field("kind").Str(), name: ref.Field("name").Str()}
				if key.kind == "Role" {
					key.namespace = b.Namespace
				}
				index[key] = append(index[key], b)
			}
		}
		return index
	}).(map[roleKey][]*source.Object)
}

// scopeOf describes where a role's grants on namespaced resources apply, from the
// bindings in the input.
func scopeOf(role *source.Object, bindings []*source.Object) string {
	if role.Kind == "Role" {
		return fmt.Sprintf("in namespace %q", role.Namespace)
	}
	var namespaces []string
	for _, b := range bindings {
		if b.Kind == "ClusterRoleBinding" {
			return "in all namespaces"
		}
		namespaces = appendNew(namespaces, b.Namespace)
	}
	if len(namespaces) == 0 {
		return "in every namespace where it is bound"
	}
	return fmt.Sprintf("in namespaces %q", namespaces)
}

// subjectList names up to three distinct subjects of the bindings, such as
// `ServiceAccount "ci/deployer" (ClusterRoleBinding "deployer")`.
func subjectList(bindings []*source.Object) string {
	var names []string
	for _, b := range bindings {
		for _, s := range b.Root().Field("subjects").Items() {
			names = appendNew(names, fmt.Sprintf("%s (%s)", subjectName(s, b), b.Ref))
		}
	}
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}

func subjectName(s source.Value, binding *source.Object) string {
	kind, name := s.Field("kind").Str(), s.Field("name").Str()
	if kind == "ServiceAccount" {
		ns := s.Field("namespace").Str()
		if ns == "" {
			ns = binding.Namespace
		}
		return fmt.Sprintf("%s %q", kind, ns+"/"+name)
	}
	return fmt.Sprintf("%s %q", kind, name)
}

// ruleSpec describes a check that inspects every rule of every Role and
// ClusterRole on its own.
type ruleSpec struct {
	// match returns what the rule grants that the check is about, such as
	// "verbs [get list] on secrets", or "" when the rule is fine.
	match func(r rule) string
	// namespaced is true when the resources are namespaced, so that the
	// message says in which namespaces the grant applies.
	namespaced bool
	// fix is the advice that ends each message.
	fix string
}

// inventory returns the check's Inventory function: one failure per
// matching rule, one pass per role without one, and not evaluated for an
// aggregated ClusterRole whose source roles are missing from the input.
func (s ruleSpec) inventory(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	for _, role := range roles(inv) {
		rules, aggregated, ok := effectiveRules(inv, role)
		if !ok {
			r.NotEvaluated(role.Ref, role.Loc, "aggregationRule selects no ClusterRole in the input, so the rules it aggregates are unknown")
			continue
		}
		bindings := bindingsOf(inv, role)
		failed := false
		for _, ru := range rules {
			what := s.match(ru)
			if what == "" {
				continue
			}
			failed = true
			s.report(r, role, ru, what, aggregated, bindings)
		}
		if !failed {
			r.Pass(role.Ref, role.Loc)
		}
	}
}

func (s ruleSpec) report(r *check.Reporter, role *source.Object, ru rule, what string, aggregated bool, bindings []*source.Object) {
	msg := fmt.Sprintf("%s grants %s", role.Ref, what)
	if s.namespaced {
		msg += " " + scopeOf(role, bindings)
	}
	if aggregated {
		msg += fmt.Sprintf(" through rules[%d] of the aggregated %s", ru.Index, ru.Value.Object().Ref)
	}
	if len(bindings) > 0 {
		msg += "; bound to " + subjectList(bindings)
	}
	msg += "; " + s.fix

	if aggregated {
		agg := role.Root().Field("aggregationRule")
		r.FailRef(role.Ref, agg.Loc(), agg.Path(), evidence(ru), "%s", msg)
		return
	}
	at := ru.Value.Field("verbs")
	if !at.Exists() {
		at = ru.Value
	}
	r.Fail(at, evidence(ru), "%s", msg)
}
