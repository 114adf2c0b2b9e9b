package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-net-raw-capability",
		Title: "Container adds NET_RAW or NET_ADMIN",
		Rationale: "With NET_RAW a process can forge ARP replies and IP packets, and with NET_ADMIN " +
			"it can reconfigure the pod's network; on CNIs that bridge pods at layer 2 this lets " +
			"it intercept traffic of other pods on the node.",
		Remediation: "Remove NET_RAW and NET_ADMIN from securityContext.capabilities.add; a container " +
			"that needs ping can set the net.ipv4.ping_group_range sysctl instead.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9036"},
		Mitigations: []string{restrictContainers, "MS-M9028", podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkNetRawCapability,
	})
}

func checkNetRawCapability(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			for _, v := range addedCapabilities(c) {
				name := capability(v.Str())
				if why, ok := networkCapabilities[name]; ok {
					t.Fail(v, v.Str(),
						"%s in %s adds capability %s, which %s; remove it from securityContext.capabilities.add",
						podcheck.Describe(c), o.Ref, name, why)
				}
			}
		}
	})
}
