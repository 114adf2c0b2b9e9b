package rbac

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/source"
)

// rule is one PolicyRule of a Role or ClusterRole.
type rule struct {
	Value           source.Value // rules[i] of the role that declares it
	Index           int
	APIGroups       []string
	Resources       []string
	Verbs           []string
	ResourceNames   []string
	NonResourceURLs []string
}

func parseRule(v source.Value, index int) rule {
	return rule{
		Value:           v,
		Index:           index,
		APIGroups:       v.Field("apiGroups").Strings(),
		Resources:       v.Field("resources").Strings(),
		Verbs:           v.Field("verbs").Strings(),
		ResourceNames:   v.Field("resourceNames").Strings(),
		NonResourceURLs: v.Field("nonResourceURLs").Strings(),
	}
}

// grants reports whether the rule allows verb on resource in the API group
// for at least one object, the way the API server's RBAC authorizer decides
// it. group is "" for the core group. resource is a plural resource name,
// optionally with a subresource such as "pods/exec". A rule limited by
// resourceNames matches only requests that carry an object name, so it never
// grants create on a top-level resource or deletecollection.
func grants(r rule, group, resource, verb string) bool {
	if !containsOrStar(r.APIGroups, group) || !containsOrStar(r.Verbs, verb) {
		return false
	}
	if !resourceMatches(r.Resources, resource) {
		return false
	}
	if len(r.ResourceNames) > 0 && !requestHasName(resource, verb) {
		return false
	}
	return true
}

// grantsEveryObject reports whether the rule allows verb on every object of
// the resource, that is, grants it without a resourceNames limit.
func grantsEveryObject(r rule, group, resource, verb string) bool {
	return len(r.ResourceNames) == 0 && grants(r, group, resource, verb)
}

func containsOrStar(list []string, want string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, want)
}

// resourceMatches follows the authorizer: "*" matches every resource and
// subresource, an exact entry matches itself, and "*/sub" matches the
// subresource sub of any resource. "pods/*" is not a pattern and matches
// only a resource literally named so.
func resourceMatches(ruleResources []string, resource string) bool {
	_, sub, hasSub := strings.Cut(resource, "/")
	for _, rr := range ruleResources {
		switch {
		case rr == "*", rr == resource:
			return true
		case hasSub && rr == "*/"+sub:
			return true
		}
	}
	return false
}

// requestHasName reports whether a request with this verb on this resource
// names one object, so that a resourceNames limit can match it. Requests to a
// subresource always name their parent object; list and watch name one when
// they select by metadata.name.
func requestHasName(resource, verb string) bool {
	if strings.Contains(resource, "/") {
		return true
	}
	return verb != "create" && verb != "deletecollection"
}

// isClusterWildcard reports whether the rule grants every verb on every
// resource of every API group, as the cluster-admin role does.
func isClusterWildcard(r rule) bool {
	return slices.Contains(r.APIGroups, "*") && slices.Contains(r.Resources, "*") &&
		slices.Contains(r.Verbs, "*") && len(r.ResourceNames) == 0
}

// permission names verbs on resources of API groups that a check looks for.
type permission struct {
	Groups    []string
	Resources []string
	Verbs     []string
}

// grantedBy returns the verbs and resources of p that the rule grants, in
// the order p lists them. When everyObject is true, a rule limited by
// resourceNames grants nothing.
func (p permission) grantedBy(r rule, everyObject bool) (verbs, resources []string) {
	for _, res := range p.Resources {
		for _, verb := range p.Verbs {
			for _, g := range p.Groups {
				ok := grants(r, g, res, verb)
				if everyObject {
					ok = grantsEveryObject(r, g, res, verb)
				}
				if ok {
					verbs = appendNew(verbs, verb)
					resources = appendNew(resources, res)
				}
			}
		}
	}
	return verbs, resources
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// describe writes what a rule grants on a set of permissions, such as
// "verbs [get list] on secrets".
func describe(verbs, resources []string) string {
	return fmt.Sprintf("verbs [%s] on %s", strings.Join(verbs, " "), strings.Join(resources, ", "))
}

// evidence renders a rule compactly for a finding's evidence.
func evidence(r rule) string {
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
