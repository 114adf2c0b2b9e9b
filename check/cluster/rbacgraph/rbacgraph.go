// Package rbacgraph resolves the effective RBAC permissions of users,
// groups and service accounts from the Roles, ClusterRoles, RoleBindings
// and ClusterRoleBindings of an inventory, the way the API server's RBAC
// authorizer decides a request.
//
// It follows RoleBindings (which grant in their own namespace and may name a
// ClusterRole) and ClusterRoleBindings (which grant in every namespace and
// on cluster-scoped resources), fills in aggregated ClusterRoles from the
// ClusterRoles their aggregationRule selects, and counts the groups every
// service account belongs to: system:serviceaccounts,
// system:serviceaccounts:<namespace> and system:authenticated. Each grant
// keeps its path, binding to role to rule, so that a finding can show why a
// permission is held.
package rbacgraph

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kubethreat/kubethreat/check/network"
	"github.com/kubethreat/kubethreat/source"
)

// Subject kinds, as RBAC bindings name them.
const (
	KindUser           = "User"
	KindGroup          = "Group"
	KindServiceAccount = "ServiceAccount"
)

// Subject is a user, group or service account.
type Subject struct {
	Kind      string
	Name      string
	Namespace string // for service accounts only
}

func (s Subject) String() string {
	if s.Kind == KindServiceAccount {
		return fmt.Sprintf("%s %q", s.Kind, s.Namespace+"/"+s.Name)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// ServiceAccount returns the subject of a service account.
func ServiceAccount(namespace, name string) Subject {
	return Subject{Kind: KindServiceAccount, Name: name, Namespace: namespace}
}

// Rule is one PolicyRule of a Role or ClusterRole.
type Rule struct {
	APIGroups       []string
	Resources       []string
	Verbs           []string
	ResourceNames   []string
	NonResourceURLs []string

	Role  *source.Object // the role whose rules[Index] this is
	Index int
	Value source.Value
}

// Allows reports whether the rule allows verb on the resource of the API
// group ("" for the core group) for some object. resource may name a
// subresource, as in "pods/exec". A rule limited by resourceNames allows
// only requests that name an object, so never create or list.
func (r Rule) Allows(verb, group, resource string) bool {
	if !matches(r.APIGroups, group) || !matches(r.Verbs, verb) || !resourceMatches(r.Resources, resource) {
		return false
	}
	if len(r.ResourceNames) > 0 {
		return strings.Contains(resource, "/") || (verb != "create" && verb != "list" && verb != "watch" && verb != "deletecollection")
	}
	return true
}

// AllowsEvery reports whether the rule allows verb on every object of the
// resource, that is, without a resourceNames limit.
func (r Rule) AllowsEvery(verb, group, resource string) bool {
	return len(r.ResourceNames) == 0 && r.Allows(verb, group, resource)
}

// IsClusterAdmin reports whether the rule allows every verb on every
// resource of every API group, as the cluster-admin ClusterRole does.
func (r Rule) IsClusterAdmin() bool {
	return slices.Contains(r.APIGroups, "*") && slices.Contains(r.Resources, "*") &&
		slices.Contains(r.Verbs, "*") && len(r.ResourceNames) == 0
}

// String renders the rule compactly, such as
// `apiGroups=[""] resources=["secrets"] verbs=["get" "list"]`.
func (r Rule) String() string {
	var parts []string
	add := func(name string, list []string) {
		if len(list) > 0 {
			parts = append(parts, fmt.Sprintf("%s=%q", name, list))
		}
	}
	add("apiGroups", r.APIGroups)
	add("resources", r.Resources)
	add("resourceNames", r.ResourceNames)
	add("nonResourceURLs", r.NonResourceURLs)
	add("verbs", r.Verbs)
	return strings.Join(parts, " ")
}

func matches(list []string, want string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, want)
}

// resourceMatches follows the authorizer: "*" matches every resource and
// subresource, an exact entry matches itself, and "*/sub" matches the
// subresource sub of any resource.
func resourceMatches(ruleResources []string, resource string) bool {
	_, sub, hasSub := strings.Cut(resource, "/")
	for _, rr := range ruleResources {
		if rr == "*" || rr == resource || (hasSub && rr == "*/"+sub) {
			return true
		}
	}
	return false
}

// Grant is one rule held by a subject, with the binding and role that
// grant it.
type Grant struct {
	Rule    Rule
	Binding *source.Object // the RoleBinding or ClusterRoleBinding
	Role    *source.Object // the role the binding names
	// Namespace is the namespace the grant applies in: a RoleBinding's
	// namespace, or "" for a ClusterRoleBinding, which grants in every
	// namespace and on cluster-scoped resources.
	Namespace string
	// Via is the binding subject that matched, such as the group
	// system:serviceaccounts for a service account.
	Via Subject
}

// ClusterWide reports whether the grant applies in every namespace.
func (g Grant) ClusterWide() bool { return g.Namespace == "" }

// Path describes how the subject holds the rule, such as
// `ClusterRoleBinding "ci" → ClusterRole "cluster-admin" → rules[0]`.
func (g Grant) Path() string {
	var b strings.Builder
	b.WriteString(g.Binding.Ref.String())
	if g.Via.Kind == KindGroup {
		fmt.Fprintf(&b, " (through group %q)", g.Via.Name)
	}
	b.WriteString(" → " + g.Role.Ref.String())
	if g.Rule.Role != g.Role {
		b.WriteString(" aggregating " + g.Rule.Role.Ref.String())
	}
	fmt.Fprintf(&b, " → rules[%d]", g.Rule.Index)
	return b.String()
}

// Graph indexes the RBAC objects of an inventory.
type Graph struct {
	roles        map[string]*source.Object // Roles by "namespace/name"
	clusterRoles map[string]*source.Object
	bySubject    map[Subject][]binding
	rulesMu      sync.Mutex                // guards rules: checks share one Graph concurrently
	rules        map[*source.Object][]Rule // effective rules per role, filled in lazily
}

// binding is one subject entry of a binding.
type binding struct {
	object    *source.Object
	roleKind  string
	roleName  string
	namespace string
	subject   Subject
}

// New indexes the RBAC objects among objects. Objects of other kinds are
// ignored.
func New(objects []*source.Object) *Graph {
	g := &Graph{
		roles:        map[string]*source.Object{},
		clusterRoles: map[string]*source.Object{},
		bySubject:    map[Subject][]binding{},
		rules:        map[*source.Object][]Rule{},
	}
	for _, o := range objects {
		if !strings.HasPrefix(o.APIVersion, "rbac.authorization.k8s.io/") {
			continue
		}
		switch o.Kind {
		case "Role":
			g.roles[o.Namespace+"/"+o.Name] = o
		case "ClusterRole":
			g.clusterRoles[o.Name] = o
		case "RoleBinding", "ClusterRoleBinding":
			g.addBinding(o)
		}
	}
	return g
}

func (g *Graph) addBinding(o *source.Object) {
	ref := o.Get("roleRef")
	ns := ""
	if o.Kind == "RoleBinding" {
		ns = o.Namespace
	}
	for _, s := range o.Get("subjects").Items() {
		subj := Subject{Kind: s.Field("kind").Str(), Name: s.Field("name").Str()}
		if subj.Kind == KindServiceAccount {
			subj.Namespace = s.Field("namespace").Str()
			if subj.Namespace == "" {
				subj.Namespace = o.Namespace
			}
		}
		g.bySubject[subj] = append(g.bySubject[subj], binding{
			object: o, roleKind: ref.Field("kind").Str(), roleName: ref.Field("name").Str(), namespace: ns, subject: subj,
		})
	}
}

// identities returns the subjects that bindings may name to reach s: s
// itself, its user name, and the groups it belongs to. A user's groups
// come from its authenticator and are not in the cluster, so only
// system:authenticated is assumed for users.
func identities(s Subject) []Subject {
	out := []Subject{s}
	switch s.Kind {
	case KindServiceAccount:
		out = append(out,
			Subject{Kind: KindUser, Name: "system:serviceaccount:" + s.Namespace + ":" + s.Name},
			Subject{Kind: KindGroup, Name: "system:serviceaccounts"},
			Subject{Kind: KindGroup, Name: "system:serviceaccounts:" + s.Namespace},
			Subject{Kind: KindGroup, Name: "system:authenticated"})
	case KindUser:
		out = append(out, Subject{Kind: KindGroup, Name: "system:authenticated"})
	}
	return out
}

// Grants returns every rule the subject holds, directly or through its
// groups, in binding order. A binding to a role that does not exist grants
// nothing, as in the API server.
func (g *Graph) Grants(s Subject) []Grant {
	var out []Grant
	for _, id := range identities(s) {
		for _, b := range g.bySubject[id] {
			role := g.role(b)
			if role == nil {
				continue
			}
			for _, r := range g.EffectiveRules(role) {
				out = append(out, Grant{Rule: r, Binding: b.object, Role: role, Namespace: b.namespace, Via: id})
			}
		}
	}
	return out
}

func (g *Graph) role(b binding) *source.Object {
	switch b.roleKind {
	case "ClusterRole":
		return g.clusterRoles[b.roleName]
	case "Role":
		if b.object.Kind == "RoleBinding" {
			return g.roles[b.namespace+"/"+b.roleName]
		}
	}
	return nil
}

// Allowed returns the grants by which the subject may use verb on the
// resource in the namespace. An empty namespace stands for every namespace
// at once, or for a cluster-scoped resource, and only ClusterRoleBindings
// grant those.
func (g *Graph) Allowed(s Subject, verb, group, resource, namespace string) []Grant {
	var out []Grant
	for _, gr := range g.Grants(s) {
		if gr.Namespace != "" && gr.Namespace != namespace {
			continue
		}
		if gr.Rule.Allows(verb, group, resource) {
			out = append(out, gr)
		}
	}
	return out
}

// EffectiveRules returns the rules a role grants. For a ClusterRole with an
// aggregationRule they are the rules of every ClusterRole its selectors
// select, followed by its own rules that none of them already holds (in a
// live cluster the controller copies the selected rules into the role).
func (g *Graph) EffectiveRules(role *source.Object) []Rule {
	g.rulesMu.Lock()
	rules, ok := g.rules[role]
	g.rulesMu.Unlock()
	if ok {
		return rules
	}
	if role.Kind == "ClusterRole" && role.Get("aggregationRule").Exists() {
		rules = g.aggregate(role, map[*source.Object]bool{role: true})
	}
	for _, own := range ownRules(role) {
		if !slices.ContainsFunc(rules, func(r Rule) bool { return sameRule(r, own) }) {
			rules = append(rules, own)
		}
	}
	// The lock is not held while computing, because aggregation may ask
	// for other roles' rules. Two goroutines may then compute the same
	// rules, which is harmless because both get the same result.
	g.rulesMu.Lock()
	g.rules[role] = rules
	g.rulesMu.Unlock()
	return rules
}

func (g *Graph) aggregate(role *source.Object, seen map[*source.Object]bool) []Rule {
	selectors := role.Get("aggregationRule.clusterRoleSelectors")
	var out []Rule
	for _, name := range sortedKeys(g.clusterRoles) {
		cr := g.clusterRoles[name]
		if seen[cr] || !selectedByAny(selectors, cr.Labels()) {
			continue
		}
		seen[cr] = true
		if cr.Get("aggregationRule").Exists() {
			out = append(out, g.aggregate(cr, seen)...)
		}
		out = append(out, ownRules(cr)...)
	}
	return out
}

func ownRules(role *source.Object) []Rule {
	var out []Rule
	for i, v := range role.Get("rules").Items() {
		out = append(out, Rule{
			APIGroups:       v.Field("apiGroups").Strings(),
			Resources:       v.Field("resources").Strings(),
			Verbs:           v.Field("verbs").Strings(),
			ResourceNames:   v.Field("resourceNames").Strings(),
			NonResourceURLs: v.Field("nonResourceURLs").Strings(),
			Role:            role,
			Index:           i,
			Value:           v,
		})
	}
	return out
}

func sameRule(a, b Rule) bool {
	return slices.Equal(a.APIGroups, b.APIGroups) && slices.Equal(a.Resources, b.Resources) &&
		slices.Equal(a.Verbs, b.Verbs) && slices.Equal(a.ResourceNames, b.ResourceNames) &&
		slices.Equal(a.NonResourceURLs, b.NonResourceURLs)
}

func selectedByAny(selectors source.Value, labels map[string]string) bool {
	for _, sel := range selectors.Items() {
		if ok, err := network.SelectorMatches(sel, labels); err == nil && ok {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
