package cluster

import (
	"fmt"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/cluster/rbacgraph"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// serviceAccountNeeds lists what the service account power checks read.
var serviceAccountNeeds = append([]string{
	"serviceaccounts", "roles", "clusterroles", "rolebindings", "clusterrolebindings",
}, podcheck.Resources...)

// power is a permission that makes a pod's service account token worth
// stealing. match returns what a grant allows of it, such as "get, list
// on secrets", or "" when the grant allows none of it.
type power struct {
	match func(g rbacgraph.Grant) string
}

// graphKey memoizes the RBAC graph, which the service account checks share.
type graphKey struct{}

// maxPaths bounds the permission paths a message lists.
const maxPaths = 3

// inventory returns the Inventory function of a check that fails every
// pod spec whose service account holds the power, when the pod mounts the
// account's token.
func (p power) inventory(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	g := inv.Memo(graphKey{}, func() any { return rbacgraph.New(inv.Objects) }).(*rbacgraph.Graph)
	accounts := map[string]*source.Object{}
	for _, sa := range inv.Kind("ServiceAccount") {
		accounts[sa.Namespace+"/"+sa.Name] = sa
	}
	held := map[rbacgraph.Subject][]held{}

	for _, o := range inv.Objects {
		for _, ps := range check.PodSpecs(o) {
			ns := namespaceOf(o.Namespace)
			name, at := serviceAccountName(ps)
			if !tokenMounted(ps, accounts[ns+"/"+name]) {
				r.Pass(o.Ref, o.Loc)
				continue
			}
			sa := rbacgraph.ServiceAccount(ns, name)
			hs, ok := held[sa]
			if !ok {
				hs = p.held(g, sa)
				held[sa] = hs
			}
			if len(hs) == 0 {
				r.Pass(o.Ref, o.Loc)
				continue
			}
			r.Fail(at, hs[0].grant.Rule.String(), "%s runs as %s, which can %s; remove that permission from the account, or give the pod its own service account without it, or set automountServiceAccountToken: false if the pod does not call the API",
				o.Ref, sa, describeHeld(hs))
		}
	}
}

// held is a grant that gives a power, with what it allows.
type held struct {
	grant rbacgraph.Grant
	what  string
}

func (p power) held(g *rbacgraph.Graph, sa rbacgraph.Subject) []held {
	var out []held
	for _, gr := range g.Grants(sa) {
		if what := p.match(gr); what != "" {
			out = append(out, held{grant: gr, what: what})
		}
	}
	return out
}

// describeHeld lists what each grant allows and its path, such as
// `get, list on secrets in all namespaces through ClusterRoleBinding "x" →
// ClusterRole "y" → rules[0]`.
func describeHeld(hs []held) string {
	var parts []string
	for i, h := range hs {
		if i == maxPaths {
			parts = append(parts, fmt.Sprintf("and %d more grant(s)", len(hs)-maxPaths))
			break
		}
		scope := "in all namespaces"
		if !h.grant.ClusterWide() {
			scope = fmt.Sprintf("in namespace %q", h.grant.Namespace)
		}
		parts = append(parts, fmt.Sprintf("%s %s through %s", h.what, scope, h.grant.Path()))
	}
	return strings.Join(parts, "; ")
}

func namespaceOf(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// serviceAccountName returns the service account a pod spec runs as and
// the value to report at: serviceAccountName, its deprecated alias
// serviceAccount, or the spec itself for the "default" account.
func serviceAccountName(ps check.PodSpec) (string, source.Value) {
	for _, field := range []string{"serviceAccountName", "serviceAccount"} {
		if v := ps.Spec.Field(field); v.Str() != "" {
			return v.Str(), v
		}
	}
	return "default", ps.Spec
}

// tokenMounted reports whether the pod gets its service account's token,
// either through a projected serviceAccountToken volume or by automounting.
// The pod's automountServiceAccountToken decides automounting, else the
// account's, and it is on when neither sets it.
func tokenMounted(ps check.PodSpec, sa *source.Object) bool {
	for _, vol := range ps.Spec.Field("volumes").Items() {
		for _, src := range vol.Field("projected").Field("sources").Items() {
			if src.Field("serviceAccountToken").Exists() {
				return true
			}
		}
	}
	if b, ok := ps.Spec.Field("automountServiceAccountToken").Bool(); ok {
		return b
	}
	if sa != nil {
		if b, ok := sa.Get("automountServiceAccountToken").Bool(); ok {
			return b
		}
	}
	return true
}

// allows returns the verbs of verbs that the rule allows on the resource,
// joined by commas, or "" when it allows none.
func allows(r rbacgraph.Rule, group, resource string, every bool, verbs ...string) string {
	var out []string
	for _, v := range verbs {
		ok := r.Allows(v, group, resource)
		if every {
			ok = r.AllowsEvery(v, group, resource)
		}
		if ok {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, ", ") + " on " + resource
}
