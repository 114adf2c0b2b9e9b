package cluster

import "k8s.io/apimachinery/pkg/runtime/schema"

// Resource is one kind of object that a scan lists.
type Resource struct {
	Group    string // "" for the core group
	Resource string // lower-case plural, such as "deployments"
	// Kind is the kind set on every item; "" keeps the kind that each item
	// carries, as for Gatekeeper constraints.
	Kind string
	// Namespaced resources are listed per scanned namespace, or across all
	// namespaces with -A.
	Namespaced bool
	// Optional resources belong to add-ons, such as Kyverno or Gatekeeper,
	// or are new in Kubernetes, so that older clusters do not serve them.
	// A cluster that does not serve one is not an error.
	Optional bool
	// MetadataOnly resources are requested as PartialObjectMetadataList, so
	// that the API server sends their metadata and nothing else.
	MetadataOnly bool
}

// GroupResource returns the resource and its group.
func (r Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Resource}
}

// Name returns the key of the resource in Result.Unreadable and in the
// Needs of checks: the plural name for the built-in API groups, such as
// "pods" or "clusterroles", and "plural.group" for add-on groups, such as
// "clusterpolicies.kyverno.io".
func (r Resource) Name() string {
	if r.Group == "" || isBuiltinGroup(r.Group) {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

func isBuiltinGroup(group string) bool {
	switch group {
	case "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "admissionregistration.k8s.io", "policy":
		return true
	}
	return false
}

// Resources lists what a scan reads, in the order the objects appear in the
// result. Each is read at the version that discovery prefers. Gatekeeper constraints are not listed here: each
// ConstraintTemplate creates its own resource in constraints.gatekeeper.sh,
// which Read finds through discovery.
var Resources = []Resource{
	{Resource: "namespaces", Kind: "Namespace"},
	{Resource: "nodes", Kind: "Node"},
	{Resource: "pods", Kind: "Pod", Namespaced: true},
	{Resource: "podtemplates", Kind: "PodTemplate", Namespaced: true},
	{Resource: "replicationcontrollers", Kind: "ReplicationController", Namespaced: true},
	{Group: "apps", Resource: "deployments", Kind: "Deployment", Namespaced: true},
	{Group: "apps", Resource: "replicasets", Kind: "ReplicaSet", Namespaced: true},
	{Group: "apps", Resource: "statefulsets", Kind: "StatefulSet", Namespaced: true},
	{Group: "apps", Resource: "daemonsets", Kind: "DaemonSet", Namespaced: true},
	{Group: "batch", Resource: "jobs", Kind: "Job", Namespaced: true},
	{Group: "batch", Resource: "cronjobs", Kind: "CronJob", Namespaced: true},
	{Resource: "services", Kind: "Service", Namespaced: true},
	{Group: "networking.k8s.io", Resource: "ingresses", Kind: "Ingress", Namespaced: true},
	{Group: "networking.k8s.io", Resource: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true},
	{Resource: "limitranges", Kind: "LimitRange", Namespaced: true},
	{Resource: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true},
	{Resource: "configmaps", Kind: "ConfigMap", Namespaced: true},
	{Resource: "secrets", Kind: "Secret", Namespaced: true, MetadataOnly: true},
	{Resource: "events", Kind: "Event", Namespaced: true},
	{Group: "rbac.authorization.k8s.io", Resource: "roles", Kind: "Role", Namespaced: true},
	{Group: "rbac.authorization.k8s.io", Resource: "rolebindings", Kind: "RoleBinding", Namespaced: true},
	{Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Kind: "ClusterRole"},
	{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings", Kind: "ClusterRoleBinding"},
	{Group: "admissionregistration.k8s.io", Resource: "mutatingwebhookconfigurations", Kind: "MutatingWebhookConfiguration"},
	{Group: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations", Kind: "ValidatingWebhookConfiguration"},
	{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicies", Kind: "ValidatingAdmissionPolicy", Optional: true},
	{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicybindings", Kind: "ValidatingAdmissionPolicyBinding", Optional: true},
	{Group: "kyverno.io", Resource: "clusterpolicies", Kind: "ClusterPolicy", Optional: true},
	{Group: "kyverno.io", Resource: "policies", Kind: "Policy", Namespaced: true, Optional: true},
	{Group: "templates.gatekeeper.sh", Resource: "constrainttemplates", Kind: "ConstraintTemplate", Optional: true},
}

// GatekeeperConstraintGroup is the API group in which Gatekeeper serves one
// cluster-scoped resource per ConstraintTemplate.
const GatekeeperConstraintGroup = "constraints.gatekeeper.sh"

// KubeletConfigResource is the name under which Result.Unreadable records
// that kubelet configurations could not be read through the API server's
// node proxy.
const KubeletConfigResource = "nodes/proxy"
