package network

import (
	"fmt"
	"strings"

	"github.com/kubethreat/kubethreat/check"
)

func init() {
	check.Register(&check.Check{
		ID:    "network-metadata-egress-open",
		Title: "Pods can reach the cloud instance metadata endpoint",
		Rationale: "The instance metadata endpoint (169.254.169.254 on most clouds) hands out the node's cloud " +
			"credentials and, with managed identities, tokens for cloud APIs. A pod whose egress no " +
			"NetworkPolicy restricts, or whose policy allows that address (an ipBlock such as 0.0.0.0/0 " +
			"without an except entry covering it), can take them. Pods on the host network are counted, " +
			"because NetworkPolicy does not apply to them. The check reports once per namespace.",
		Remediation: "Add an egress NetworkPolicy to each namespace whose ipBlock rules carry except: " +
			"[169.254.169.254/32] (and fd00:ec2::254/128 for IPv6 ranges on AWS), or block the endpoint at the node or with the cloud's metadata " +
			"protection (IMDSv2 with a hop limit of 1, GKE Workload Identity, AKS pod identity).",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9033", "MS-TA9028", "MS-TA9020"},
		Mitigations: []string{"MS-M9018"},
		Since:       "0.1.0",
		Needs:       []string{"networkpolicies"},
		Inventory:   metadataEgressOpen,
	})
}

func metadataEgressOpen(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	byPolicyNamespace := policiesByNamespace(inv)
	byNamespace := workloads(inv)
	for _, ns := range sortedNamespaces(byNamespace) {
		var open []string
		var first workload
		for _, w := range byNamespace[ns] {
			path := metadataPath(byPolicyNamespace[ns], w)
			if path == "" {
				continue
			}
			if len(open) == 0 {
				first = w
			}
			open = append(open, fmt.Sprintf("%s (%s)", w, path))
		}

		ref, loc := namespaceRef(inv, ns, byNamespace[ns][0])
		if len(open) == 0 {
			r.Pass(ref, loc)
			continue
		}
		if others := unevaluatedPolicies(inv, ns); len(others) > 0 {
			r.NotEvaluated(ref, loc, "egress may be restricted by "+strings.Join(others, ", ")+", which kubethreat cannot evaluate")
			continue
		}
		ref, loc = namespaceRef(inv, ns, first)
		r.FailRef(ref, loc, "", strings.Join(open, ", "),
			"namespace %q runs workloads that can reach the cloud metadata endpoint: %s; restrict egress with a NetworkPolicy whose ipBlocks except 169.254.169.254/32",
			ns, listWorkloads(open))
	}
}

// metadataPath explains how a workload can reach a metadata address, or
// returns "" when its egress policies block every one of them.
func metadataPath(all []policy, w workload) string {
	if w.HostNetwork {
		return "host network"
	}
	var selecting []policy
	for _, p := range all {
		if p.Egress && p.selects(w) {
			selecting = append(selecting, p)
		}
	}
	if len(selecting) == 0 {
		return "no NetworkPolicy restricts its egress"
	}
	for _, p := range selecting {
		for _, rule := range p.Spec.Field("egress").Items() {
			if addr, ok := egressRuleReaches(rule); ok {
				return fmt.Sprintf("%s %s allows %s", p.Object.Ref, rule.Path(), addr)
			}
		}
	}
	return ""
}
