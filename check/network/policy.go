package network

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// namespaceOf returns an object's namespace, or "default" when the manifest
// leaves it out, because kubectl applies it there unless -n names another.
func namespaceOf(o *source.Object) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// isNetworkPolicy reports whether an object is a Kubernetes NetworkPolicy,
// not a CNI plugin's resource of the same kind such as Calico's
// projectcalico.org NetworkPolicy.
func isNetworkPolicy(o *source.Object) bool {
	return o.Kind == "NetworkPolicy" && (o.APIVersion == "networking.k8s.io/v1" || o.APIVersion == "extensions/v1beta1")
}

// policy is a NetworkPolicy with its effective policy types.
type policy struct {
	Object  *source.Object
	Spec    source.Value
	Ingress bool // the policy isolates the pods it selects for ingress
	Egress  bool // the policy isolates the pods it selects for egress

	pods Selector // spec.podSelector
}

// parsePolicy reads a NetworkPolicy. When spec.policyTypes is empty, the
// API server defaults it to Ingress, plus Egress when spec.egress has at
// least one rule.
func parsePolicy(o *source.Object) policy {
	spec := o.Root().Field("spec")
	p := policy{Object: o, Spec: spec, pods: CompileSelector(spec.Field("podSelector"))}
	if types := spec.Field("policyTypes").Strings(); len(types) > 0 {
		p.Ingress = slices.Contains(types, "Ingress")
		p.Egress = slices.Contains(types, "Egress")
		return p
	}
	p.Ingress = true
	p.Egress = spec.Field("egress").Len() > 0
	return p
}

// selects reports whether the policy applies to a workload: same namespace
// and a podSelector that matches the pod template's labels. An invalid
// selector selects nothing, as the API server would reject the policy.
func (p policy) selects(w workload) bool {
	if namespaceOf(p.Object) != w.Namespace {
		return false
	}
	ok, err := p.pods.Matches(w.Labels)
	return err == nil && ok
}

// policiesByNamespace returns the NetworkPolicies of the inventory by
// namespace, so that a workload is compared only with the policies of its
// own namespace, the only ones that can select it. The map is built once
// per inventory and shared: callers must not modify it.
func policiesByNamespace(inv *check.Inventory) map[string][]policy {
	return inv.Memo(policiesByNamespaceKey{}, func() any {
		out := map[string][]policy{}
		for _, p := range policies(inv) {
			ns := namespaceOf(p.Object)
			out[ns] = append(out[ns], p)
		}
		return out
	}).(map[string][]policy)
}

type policiesByNamespaceKey struct{}

// policies returns the NetworkPolicies of the inventory, parsed once per
// inventory and shared: callers must not modify the slice.
func policies(inv *check.Inventory) []policy {
	return inv.Memo(policiesKey{}, func() any {
		var out []policy
		for _, o := range inv.Kind("NetworkPolicy") {
			if isNetworkPolicy(o) {
				out = append(out, parsePolicy(o))
			}
		}
		return out
	}).([]policy)
}

type policiesKey struct{}

// otherPolicyKinds are policy resources of CNI plugins and of the
// AdminNetworkPolicy API, which the checks cannot evaluate. Their presence
// makes a namespace's result unknown instead of failed.
var otherPolicyKinds = map[string]bool{
	"CiliumNetworkPolicy":            true,
	"CiliumClusterwideNetworkPolicy": true,
	"GlobalNetworkPolicy":            true, // Calico
	"AdminNetworkPolicy":             true,
	"BaselineAdminNetworkPolicy":     true,
}

// unevaluatedPolicies names the policy objects that may apply to a
// namespace but that the checks cannot read, such as Calico's or Cilium's.
func unevaluatedPolicies(inv *check.Inventory, namespace string) []string {
	if !hasUnevaluatedPolicies(inv) {
		return nil // the common case, found without a pass over every object
	}
	// The policies are indexed once per inventory by namespace. The key ""
	// holds the cluster-wide ones, which apply to every namespace.
	index := inv.Memo(unevaluatedKey{}, func() any {
		m := map[string][]string{}
		for _, o := range inv.Objects {
			calico := o.Kind == "NetworkPolicy" && !isNetworkPolicy(o)
			if !calico && !otherPolicyKinds[o.Kind] {
				continue
			}
			ns := ""
			if o.Namespace != "" {
				ns = namespaceOf(o)
			}
			m[ns] = append(m[ns], o.Ref.String())
		}
		return m
	}).(map[string][]string)
	if namespace == "" {
		return index[""]
	}
	return append(slices.Clone(index[""]), index[namespace]...)
}

type unevaluatedKey struct{}

// hasUnevaluatedPolicies reports whether the inventory holds any policy
// that unevaluatedPolicies would list.
func hasUnevaluatedPolicies(inv *check.Inventory) bool {
	return inv.Memo(hasUnevaluatedKey{}, func() any { return findUnevaluatedPolicies(inv) }).(bool)
}

type hasUnevaluatedKey struct{}

func findUnevaluatedPolicies(inv *check.Inventory) bool {
	for kind := range otherPolicyKinds {
		if len(inv.Kind(kind)) > 0 {
			return true
		}
	}
	for _, o := range inv.Kind("NetworkPolicy") {
		if !isNetworkPolicy(o) {
			return true
		}
	}
	return false
}

// workload is an object that runs pods, with the labels its pods carry.
type workload struct {
	Object      *source.Object
	Namespace   string
	Labels      map[string]string
	HostNetwork bool
}

func (w workload) String() string { return fmt.Sprintf("%s %q", w.Object.Kind, w.Object.Name) }

// workloads returns the objects of the inventory that carry pod specs,
// grouped by namespace. An object whose controller is also in the
// inventory, such as the ReplicaSet of a Deployment read from a cluster, is
// left out: its owner stands for it. The map is built once per inventory
// and shared: callers must not modify it.
func workloads(inv *check.Inventory) map[string][]workload {
	return inv.Memo(workloadsKey{}, func() any {
		out := map[string][]workload{}
		for _, o := range inv.Objects {
			specs := check.PodSpecs(o)
			if len(specs) == 0 || ownedByInventory(inv, o) {
				continue
			}
			spec := specs[0]
			w := workload{
				Object:      o,
				Namespace:   namespaceOf(o),
				Labels:      spec.Meta.Field("labels").StringMap(),
				HostNetwork: spec.Spec.Field("hostNetwork").IsTrue(),
			}
			out[w.Namespace] = append(out[w.Namespace], w)
		}
		return out
	}).(map[string][]workload)
}

type workloadsKey struct{}

// objectKey names an object by kind, namespace and name.
type objectKey struct{ kind, namespace, name string }

type objectIndexKey struct{}

// ownedByInventory reports whether the object's controller, as its
// ownerReferences name it, is in the inventory.
func ownedByInventory(inv *check.Inventory, o *source.Object) bool {
	refs := o.Get("metadata.ownerReferences").Items()
	if len(refs) == 0 {
		return false
	}
	index := inv.Memo(objectIndexKey{}, func() any {
		m := make(map[objectKey]bool, len(inv.Objects))
		for _, x := range inv.Objects {
			m[objectKey{x.Kind, namespaceOf(x), x.Name}] = true
		}
		return m
	}).(map[objectKey]bool)
	for _, ref := range refs {
		if ref.Field("controller").IsTrue() && index[objectKey{ref.Field("kind").Str(), namespaceOf(o), ref.Field("name").Str()}] {
			return true
		}
	}
	return false
}

// sortedNamespaces returns the keys of a workload map in order.
func sortedNamespaces(m map[string][]workload) []string {
	out := make([]string, 0, len(m))
	for ns := range m {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}

// namespaceRef returns the reference and location a namespace-level
// finding is reported at: the Namespace object if the input has one,
// otherwise the first listed workload.
func namespaceRef(inv *check.Inventory, namespace string, first workload) (source.Ref, source.Location) {
	ref := source.Ref{APIVersion: "v1", Kind: "Namespace", Name: namespace}
	for _, o := range inv.Kind("Namespace") {
		if o.Name == namespace {
			return ref, o.Loc
		}
	}
	return ref, first.Object.Loc
}

// listWorkloads joins workload descriptions for a message, such as
// `Deployment "api", Pod "debug"`. A workload that appears twice in the
// input, for example in two alternative manifests, is listed once.
func listWorkloads(all []string) string {
	var items []string
	for _, item := range all {
		if !slices.Contains(items, item) {
			items = append(items, item)
		}
	}
	const max = 10
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}
