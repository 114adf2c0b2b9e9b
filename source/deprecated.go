package source

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// splitAPIVersion splits "apps/v1" into "apps" and "v1", and "v1" into ""
// and "v1".
func splitAPIVersion(apiVersion string) (group, version string) {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i], apiVersion[i+1:]
	}
	return "", apiVersion
}

// extensionsGroups maps the kinds that the extensions/v1beta1 API served
// before Kubernetes 1.16 to the group that serves them now.
var extensionsGroups = map[string]string{
	"Deployment":        "apps",
	"DaemonSet":         "apps",
	"ReplicaSet":        "apps",
	"Ingress":           "networking.k8s.io",
	"NetworkPolicy":     "networking.k8s.io",
	"PodSecurityPolicy": "policy",
}

// Group returns the object's API group with the extensions group resolved
// to the group that serves the kind today, so that a Deployment is in
// "apps" whether it was written as apps/v1 or extensions/v1beta1. The
// core group is "".
func (o *Object) Group() string { return NormalizeGroup(o.APIVersion, o.Kind) }

// Version returns the version part of the object's apiVersion, such as
// "v1beta1".
func (o *Object) Version() string {
	_, v := splitAPIVersion(o.APIVersion)
	return v
}

// GroupKind returns the object's normalized group and kind.
func (o *Object) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: o.Group(), Kind: o.Kind}
}

// NormalizeGroup returns the API group of apiVersion, resolving the
// extensions group as Object.Group does.
func NormalizeGroup(apiVersion, kind string) string {
	group, _ := splitAPIVersion(apiVersion)
	if group == "extensions" {
		if g, ok := extensionsGroups[kind]; ok {
			return g
		}
	}
	return group
}

// deprecatedAPIs maps "apiVersion kind" of a deprecated or removed API to
// the apiVersion that replaces it, or to "" when the API was removed with
// no replacement. Source: the Kubernetes deprecated API migration guide
// (kubernetes.io/docs/reference/using-api/deprecation-guide), up to 1.32.
var deprecatedAPIs = map[string]string{}

func init() {
	add := func(replacement string, apiVersions []string, kinds ...string) {
		for _, v := range apiVersions {
			for _, k := range kinds {
				deprecatedAPIs[v+" "+k] = replacement
			}
		}
	}
	only := func(v string) []string { return []string{v} }

	add("apps/v1", only("extensions/v1beta1"), "Deployment", "DaemonSet", "ReplicaSet")
	add("networking.k8s.io/v1", only("extensions/v1beta1"), "Ingress", "NetworkPolicy")
	add("policy/v1beta1", only("extensions/v1beta1"), "PodSecurityPolicy")
	add("apps/v1", []string{"apps/v1beta1", "apps/v1beta2"},
		"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision")
	add("batch/v1", []string{"batch/v1beta1", "batch/v2alpha1"}, "CronJob")
	add("policy/v1", only("policy/v1beta1"), "PodDisruptionBudget")
	// PodSecurityPolicy was removed in 1.25; Pod Security admission took
	// its place, which is not an API object.
	add("", only("policy/v1beta1"), "PodSecurityPolicy")
	add("networking.k8s.io/v1", only("networking.k8s.io/v1beta1"), "Ingress", "IngressClass")
	add("rbac.authorization.k8s.io/v1", []string{"rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"},
		"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
	add("admissionregistration.k8s.io/v1", only("admissionregistration.k8s.io/v1beta1"),
		"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
		"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	add("admissionregistration.k8s.io/v1", only("admissionregistration.k8s.io/v1alpha1"),
		"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	add("apiextensions.k8s.io/v1", only("apiextensions.k8s.io/v1beta1"), "CustomResourceDefinition")
	add("apiregistration.k8s.io/v1", only("apiregistration.k8s.io/v1beta1"), "APIService")
	add("authentication.k8s.io/v1", only("authentication.k8s.io/v1beta1"), "TokenReview")
	add("authorization.k8s.io/v1", only("authorization.k8s.io/v1beta1"),
		"SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview")
	add("certificates.k8s.io/v1", only("certificates.k8s.io/v1beta1"), "CertificateSigningRequest")
	add("coordination.k8s.io/v1", only("coordination.k8s.io/v1beta1"), "Lease")
	add("autoscaling/v2", []string{"autoscaling/v2beta1", "autoscaling/v2beta2"}, "HorizontalPodAutoscaler")
	add("discovery.k8s.io/v1", only("discovery.k8s.io/v1beta1"), "EndpointSlice")
	add("events.k8s.io/v1", only("events.k8s.io/v1beta1"), "Event")
	add("node.k8s.io/v1", only("node.k8s.io/v1beta1"), "RuntimeClass")
	add("scheduling.k8s.io/v1", []string{"scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1"}, "PriorityClass")
	add("storage.k8s.io/v1", only("storage.k8s.io/v1beta1"),
		"CSIDriver", "CSINode", "StorageClass", "VolumeAttachment", "CSIStorageCapacity")
	add("flowcontrol.apiserver.k8s.io/v1", []string{
		"flowcontrol.apiserver.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1beta2", "flowcontrol.apiserver.k8s.io/v1beta3",
	}, "FlowSchema", "PriorityLevelConfiguration")
}

// Deprecated reports whether apiVersion is a deprecated or removed version
// for kind, and returns the apiVersion that replaces it. replacement is ""
// for an API removed with no successor, such as policy/v1beta1
// PodSecurityPolicy.
func Deprecated(apiVersion, kind string) (replacement string, ok bool) {
	replacement, ok = deprecatedAPIs[apiVersion+" "+kind]
	return replacement, ok
}
