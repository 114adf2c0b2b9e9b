package cluster

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authorizationclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
)

// access is the outcome of a permission review.
type access struct {
	allowed bool
	// known is false when the review itself failed, for example because
	// the identity may not create SelfSubjectAccessReviews. The list
	// request then decides.
	known  bool
	reason string // the authorizer's reason for a denial
}

// reviewer queries the API server for what the scanning identity may do,
// with SelfSubjectAccessReviews. A review is a create request that reads
// nothing and stores nothing.
type reviewer struct {
	client authorizationclient.SelfSubjectAccessReviewInterface
}

// review reports whether the identity may use verb on the resource, with
// an optional subresource, in the namespace. An empty namespace stands for
// every namespace, or for a cluster-scoped resource.
func (rv reviewer) review(ctx context.Context, group, resource, subresource, verb, namespace string) access {
	ssar := &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace:   namespace,
				Verb:        verb,
				Group:       group,
				Resource:    resource,
				Subresource: subresource,
			},
		},
	}
	out, err := rv.client.Create(ctx, ssar, metav1.CreateOptions{})
	if err != nil {
		return access{}
	}
	return access{allowed: out.Status.Allowed && !out.Status.Denied, known: true, reason: out.Status.Reason}
}

// forbiddenReason is the reason recorded in Result.Unreadable for a
// resource that the identity may not list.
func forbiddenReason(verb string, r Resource, namespace string) string {
	what := fmt.Sprintf("forbidden: the scanning identity lacks %s on %s", verb, qualified(r))
	switch {
	case !r.Namespaced:
	case namespace == "":
		what += " in all namespaces"
	default:
		what += fmt.Sprintf(" in namespace %q", namespace)
	}
	return what + " (" + grantHint(r.Resource) + ")"
}

// grantHint names the ClusterRole in deploy/ that grants a permission.
func grantHint(resource string) string {
	switch resource {
	case "secrets":
		return "grant it with the optional kubethreat-secrets-metadata ClusterRole"
	case "nodes/proxy":
		return "grant it with the optional kubethreat-kubelet-config ClusterRole"
	}
	return "grant it with the kubethreat-reader ClusterRole"
}

// qualified names a resource with its API group, as kubectl does:
// "pods", "deployments.apps".
func qualified(r Resource) string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}
