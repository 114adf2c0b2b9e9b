package network

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
)

func init() {
	check.Register(&check.Check{
		ID:    "network-namespace-unprotected",
		Title: "Namespace runs pods that no NetworkPolicy isolates for ingress",
		Rationale: "Kubernetes lets every pod reach every other pod until a NetworkPolicy that lists Ingress " +
			"in its policy types selects it. An attacker in one compromised pod can then scan the cluster " +
			"and reach databases, admin interfaces and internal APIs that were never meant to be exposed. " +
			"Pods on the host network are counted as unprotected, because NetworkPolicy does not apply to " +
			"them. The check reports once per namespace and lists the workloads no policy selects.",
		Remediation: "Add a default-deny NetworkPolicy to each namespace (podSelector: {} and policyTypes: " +
			"[Ingress]), then allow only the traffic each workload needs.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9034", "MS-TA9031"},
		Mitigations: []string{"MS-M9014"},
		Since:       "0.1.0",
		Needs:       []string{"networkpolicies"},
		Inventory:   namespaceUnprotected,
	})
}

func namespaceUnprotected(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	byPolicyNamespace := policiesByNamespace(inv)
	byNamespace := workloads(inv)
	for _, ns := range sortedNamespaces(byNamespace) {
		var open []string
		var first workload
		for _, w := range byNamespace[ns] {
			isolated, note := ingressIsolated(byPolicyNamespace[ns], w)
			if isolated {
				continue
			}
			if len(open) == 0 {
				first = w
			}
			open = append(open, w.String()+note)
		}

		ref, loc := namespaceRef(inv, ns, byNamespace[ns][0])
		if len(open) == 0 {
			r.Pass(ref, loc)
			continue
		}
		if others := unevaluatedPolicies(inv, ns); len(others) > 0 {
			r.NotEvaluated(ref, loc, "the namespace may be isolated by "+strings.Join(others, ", ")+", which kubethreat cannot evaluate")
			continue
		}
		ref, loc = namespaceRef(inv, ns, first)
		r.FailRef(ref, loc, "", strings.Join(open, ", "),
			"namespace %q runs workloads that no NetworkPolicy isolates for ingress: %s; add a default-deny ingress NetworkPolicy (podSelector: {}) and allow only the traffic each workload needs",
			ns, listWorkloads(open))
	}
}

// ingressIsolated reports whether a NetworkPolicy isolates a workload for
// ingress. note explains a host-network workload, which no policy isolates.
func ingressIsolated(all []policy, w workload) (isolated bool, note string) {
	if w.HostNetwork {
		return false, " (host network)"
	}
	for _, p := range all {
		if p.Ingress && p.selects(w) {
			return true, ""
		}
	}
	return false, ""
}
