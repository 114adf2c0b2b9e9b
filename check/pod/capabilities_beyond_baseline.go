package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-capabilities-beyond-baseline",
		Title: "Container adds a capability outside the Baseline set",
		Rationale: "The Baseline level lets a container add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, " +
			"FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and " +
			"SYS_CHROOT. Any other capability widens what a compromised process can do to the node.",
		Remediation: "Remove the capability from securityContext.capabilities.add, or document why " +
			"the workload needs it and run it in a namespace with a Privileged policy.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkCapabilitiesBeyondBaseline,
	})
}

// checkCapabilitiesBeyondBaseline reports added capabilities that break the
// Baseline level and that neither pod-dangerous-capabilities nor
// pod-net-raw-capability reports, so each capability is reported once.
func checkCapabilitiesBeyondBaseline(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			for _, v := range addedCapabilities(c) {
				name := capability(v.Str())
				_, dangerous := dangerousCapabilities[name]
				_, network := networkCapabilities[name]
				if name == "" || baselineCapabilities[name] || dangerous || network {
					continue
				}
				t.Fail(v, v.Str(),
					"%s in %s adds capability %s, which the Baseline level does not allow; remove it from securityContext.capabilities.add",
					podcheck.Describe(c), o.Ref, name)
			}
		}
	})
}
