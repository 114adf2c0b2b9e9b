package admission

import (
	"fmt"
	"strings"

	"github.com/kubethreat/kubethreat/check"
)

// presenceSpec describes a check that looks for an enforcing admission
// policy for a control, for the whole input.
type presenceSpec struct {
	control control
	what    string // the policy's effect as a verb phrase, such as "restricts which images pods may run"
	fix     string // the advice that ends a message about a missing policy
}

// inventory returns the check's Inventory function. An input without
// workloads is not evaluated. Each enforcing policy passes, and each policy
// that only audits fails at the field that makes it audit. A missing
// policy, or namespaces with workloads that no enforcing policy covers,
// fail once for the whole input.
func (s presenceSpec) inventory(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	namespaces, _ := workloadNamespaces(inv)
	if len(namespaces) == 0 {
		return
	}
	found := findPolicies(inv, s.control)
	ref, loc := clusterRef(inv)
	if len(found) == 0 {
		r.FailRef(ref, loc, "", "no policy", "no admission policy in the input %s; %s", s.what, s.fix)
		return
	}

	var enforced []admissionPolicy
	for _, p := range found {
		if p.Enforced {
			enforced = append(enforced, p)
			continue
		}
		r.Fail(p.Mode, p.ModeText, "%s %s but does not enforce it (%s); %s", p.Object.Ref, s.what, p.ModeText, enforceFix(p))
	}
	if len(enforced) == 0 {
		return
	}

	var uncovered []string
	for _, ns := range namespaces {
		if !anyCovers(enforced, ns) {
			uncovered = append(uncovered, ns)
		}
	}
	if len(uncovered) > 0 {
		r.FailRef(ref, loc, "", strings.Join(uncovered, ", "),
			"no enforcing admission policy in the input %s in namespaces %q; extend the policies' match to them", s.what, uncovered)
	}
	for _, p := range enforced {
		r.Pass(p.Object.Ref, p.Object.Loc)
	}
}

func anyCovers(policies []admissionPolicy, ns string) bool {
	for _, p := range policies {
		if p.Covers(ns) {
			return true
		}
	}
	return false
}

// enforceFix returns the advice that makes a policy that only audits enforce.
func enforceFix(p admissionPolicy) string {
	switch {
	case isKyverno(p.Object):
		return "set validationFailureAction (or the rule's failureAction) to Enforce"
	case strings.HasPrefix(p.Object.APIVersion, "constraints.gatekeeper.sh/"):
		return "set enforcementAction to deny"
	case p.Object.Kind == "ValidatingAdmissionPolicy":
		return "bind it with a ValidatingAdmissionPolicyBinding whose validationActions include Deny"
	}
	return fmt.Sprintf("make %s deny requests", p.Object.Ref)
}
