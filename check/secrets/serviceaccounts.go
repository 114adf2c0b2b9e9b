package secrets

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// automountNeeds lists what the service account token checks read.
var automountNeeds = append([]string{"serviceaccounts", "rolebindings", "clusterrolebindings"}, podcheck.Resources...)

// namespaceOf returns the namespace of an object, taking "default" for
// objects that name none, as kubectl apply does.
func namespaceOf(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// accountIndex relates service accounts to the bindings that grant them
// permissions, for the inventory being scanned.
type accountIndex struct {
	accounts map[string]*source.Object // "namespace/name" to ServiceAccount
	bindings map[string][]string       // "namespace/name", "namespace/*" or "*" to binding names
}

type accountIndexKey struct{}

func newAccountIndex(inv *check.Inventory) *accountIndex {
	ix := &accountIndex{accounts: map[string]*source.Object{}, bindings: map[string][]string{}}
	for _, sa := range inv.Kind("ServiceAccount") {
		ix.accounts[namespaceOf(sa.Namespace)+"/"+sa.Name] = sa
	}
	for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
		for _, b := range inv.Kind(kind) {
			ix.addBinding(b)
		}
	}
	return ix
}

// addBinding records which service accounts a binding's subjects cover:
// a ServiceAccount subject, a User named system:serviceaccount:<ns>:<name>,
// or the groups system:serviceaccounts, system:serviceaccounts:<ns> and
// system:authenticated.
func (ix *accountIndex) addBinding(b *source.Object) {
	label := b.Ref.String()
	for _, s := range b.Root().Field("subjects").Items() {
		name := s.Field("name").Str()
		var key string
		switch s.Field("kind").Str() {
		case "ServiceAccount":
			ns := s.Field("namespace").Str()
			if ns == "" && b.Kind == "RoleBinding" {
				ns = b.Namespace
			}
			key = namespaceOf(ns) + "/" + name
		case "User":
			parts := strings.Split(name, ":")
			if len(parts) == 4 && parts[0] == "system" && parts[1] == "serviceaccount" {
				key = parts[2] + "/" + parts[3]
			}
		case "Group":
			switch {
			case name == "system:serviceaccounts" || name == "system:authenticated":
				key = "*"
			case strings.HasPrefix(name, "system:serviceaccounts:"):
				key = strings.TrimPrefix(name, "system:serviceaccounts:") + "/*"
			}
		}
		if key != "" {
			ix.bindings[key] = append(ix.bindings[key], label)
		}
	}
}

// bindingsOf returns the bindings that grant the account permissions,
// sorted and without repeats.
func (ix *accountIndex) bindingsOf(namespace, name string) []string {
	set := map[string]bool{}
	for _, key := range []string{namespace + "/" + name, namespace + "/*", "*"} {
		for _, b := range ix.bindings[key] {
			set[b] = true
		}
	}
	out := make([]string, 0, len(set))
	for b := range set {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// tokenMount is a pod spec that gets its service account's token mounted.
type tokenMount struct {
	Spec      check.PodSpec
	Namespace string
	Account   string
	At        source.Value // the field to report the finding at
	Bindings  []string
}

// mountsToken returns whether a pod spec gets its service account's token:
// the pod's automountServiceAccountToken wins, then the ServiceAccount's,
// and the default is true.
func (ix *accountIndex) mountsToken(o *source.Object, ps check.PodSpec) (tokenMount, bool) {
	account := ps.Spec.Field("serviceAccountName").Str()
	if account == "" {
		account = ps.Spec.Field("serviceAccount").Str() // deprecated alias
	}
	if account == "" {
		account = "default"
	}
	ns := namespaceOf(o.Namespace)
	m := tokenMount{Spec: ps, Namespace: ns, Account: account, At: ps.Spec}

	podSetting := ps.Spec.Field("automountServiceAccountToken")
	if on, ok := podSetting.Bool(); ok {
		if !on {
			return m, false
		}
		m.At = podSetting
	} else if sa := ix.accounts[ns+"/"+account]; sa != nil {
		if on, ok := sa.Root().Field("automountServiceAccountToken").Bool(); ok && !on {
			return m, false
		}
	}
	m.Bindings = ix.bindingsOf(ns, account)
	return m, true
}

// evalAutomount runs one of the two token checks: with bound set it reports
// token mounts of accounts that some binding in the inventory grants
// permissions, otherwise those of accounts that no binding names.
func evalAutomount(inv *check.Inventory, r *check.Reporter, bound bool) {
	// Both token checks read the same index, built once per inventory.
	ix := inv.Memo(accountIndexKey{}, func() any { return newAccountIndex(inv) }).(*accountIndex)
	for _, o := range inv.Objects {
		specs := check.PodSpecs(o)
		if len(specs) == 0 {
			continue
		}
		failed := false
		for _, ps := range specs {
			m, mounted := ix.mountsToken(o, ps)
			if !mounted || (len(m.Bindings) > 0) != bound {
				continue
			}
			failed = true
			r.Fail(m.At, "ServiceAccount "+m.Namespace+"/"+m.Account, "%s", automountMessage(o, m))
		}
		if !failed {
			r.Pass(o.Ref, o.Loc)
		}
	}
}

func automountMessage(o *source.Object, m tokenMount) string {
	account := fmt.Sprintf("ServiceAccount %q", m.Namespace+"/"+m.Account)
	fix := "set automountServiceAccountToken: false in the pod spec or the ServiceAccount, " +
		"and mount a projected token only into pods that call the API server"
	if len(m.Bindings) == 0 {
		return fmt.Sprintf("%s mounts the token of %s, because automountServiceAccountToken is not false; "+
			"no RBAC binding for that account was found in the input; %s", o.Ref, account, fix)
	}
	return fmt.Sprintf("%s mounts the token of %s, which %s %s permissions; %s",
		o.Ref, account, strings.Join(m.Bindings, ", "), grantVerb(len(m.Bindings)), fix)
}

func grantVerb(n int) string {
	if n == 1 {
		return "grants"
	}
	return "grant"
}
