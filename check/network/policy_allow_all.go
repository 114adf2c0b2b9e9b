package network

import (
	"fmt"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "network-policy-allow-all",
		Title: "NetworkPolicy allows all ingress or all egress",
		Rationale: "A rule with no peers and no ports (ingress: [{}] or egress: [{}]), or one whose only " +
			"restriction is an ipBlock of 0.0.0.0/0 or ::/0, allows every source or destination for the pods " +
			"the policy selects. Such a policy undoes the isolation a default-deny policy gives, because " +
			"NetworkPolicies add up.",
		Remediation: "Replace the rule with rules that list the sources or destinations the pods need, by pod " +
			"and namespace selectors, ports, or ipBlocks with exceptions.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9034"},
		Mitigations: []string{"MS-M9014"},
		Since:       "0.1.0",
		Object:      policyAllowAll,
	})
}

func policyAllowAll(_ *check.Context, o *source.Object, r *check.Reporter) {
	if !isNetworkPolicy(o) {
		return
	}
	p := parsePolicy(o)
	failed := false
	for _, dir := range []struct {
		field, peers, name string
		active             bool
	}{
		{"ingress", "from", "ingress", p.Ingress},
		{"egress", "to", "egress", p.Egress},
	} {
		if !dir.active {
			continue
		}
		for _, rule := range p.Spec.Field(dir.field).Items() {
			how := allowsAll(rule, dir.peers)
			if how == "" {
				continue
			}
			failed = true
			r.Fail(rule, how,
				"%s allows all %s to %s with %s, %s; list the allowed peers and ports or delete the rule",
				o.Ref, dir.name, selectedPods(p), rule.Path(), how)
		}
	}
	if !failed {
		r.Pass(o.Ref, o.Loc)
	}
}

// allowsAll describes how a rule admits every peer on every port, or
// returns "".
func allowsAll(rule source.Value, peersField string) string {
	if rule.Field("ports").Len() > 0 {
		return ""
	}
	peers := rule.Field(peersField)
	if peers.Len() == 0 {
		return fmt.Sprintf("a rule with no %s and no ports", peersField)
	}
	for _, peer := range peers.Items() {
		if isOpenPeer(peer) {
			return fmt.Sprintf("a rule whose %s includes ipBlock %s", peersField, peer.Field("ipBlock").Field("cidr").Str())
		}
	}
	return ""
}

// selectedPods describes the pods a policy selects for messages.
func selectedPods(p policy) string {
	sel := p.Spec.Field("podSelector")
	if SelectorIsEmpty(sel) {
		return fmt.Sprintf("every pod of namespace %q", namespaceOf(p.Object))
	}
	return "the pods it selects"
}
