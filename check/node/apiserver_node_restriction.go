package node

import (
	"slices"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-apiserver-node-restriction",
		Title: "API server does not run the NodeRestriction admission plugin",
		Rationale: "NodeRestriction limits each kubelet to changing its own Node object and the pods bound to " +
			"it. Without it, the credentials of one compromised node can change other nodes' labels and " +
			"pods, and steer workloads onto the attacker's node. The plugin is not on by default.",
		Remediation: "Add NodeRestriction to --enable-admission-plugins and run the Node authorizer with it.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9030"},
		Mitigations: []string{"MS-M9027"},
		Since:       "0.1.0",
		Object:      binaryObject(apiserver, apiserverAliases, apiserverNodeRestriction),
	})
}

func apiserverNodeRestriction(o *source.Object, c binaryContainer, r *check.Reporter) bool {
	if f, ok := c.Flags.get("disable-admission-plugins"); ok && slices.Contains(listValue(f.Value), "NodeRestriction") {
		r.Fail(f.ValueAt, "--disable-admission-plugins="+f.Value,
			"%s disables NodeRestriction in --disable-admission-plugins; remove it from that list", containerName(o, c))
		return true
	}
	f, ok := c.Flags.get("enable-admission-plugins")
	if !ok {
		// --admission-control is the flag's name before Kubernetes 1.10.
		f, ok = c.Flags.get("admission-control")
	}
	if !ok {
		r.Fail(commandLine(c.Container), "--enable-admission-plugins not set",
			"%s does not set --enable-admission-plugins, and NodeRestriction is not on by default; add --enable-admission-plugins=NodeRestriction", containerName(o, c))
		return true
	}
	if slices.Contains(listValue(f.Value), "NodeRestriction") {
		return false
	}
	r.Fail(f.ValueAt, "--"+f.Name+"="+f.Value,
		"%s sets --%s without NodeRestriction; add NodeRestriction to the list", containerName(o, c), f.Name)
	return true
}
