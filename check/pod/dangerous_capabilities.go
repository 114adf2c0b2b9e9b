package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-dangerous-capabilities",
		Title: "Container adds a dangerous capability",
		Rationale: "SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, BPF and ALL each " +
			"give a process in the container a known way to reach the node or other containers.",
		Remediation: "Remove the capability from securityContext.capabilities.add; drop ALL and add " +
			"back only what the process needs, such as NET_BIND_SERVICE.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkDangerousCapabilities,
	})
}

func checkDangerousCapabilities(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			for _, v := range addedCapabilities(c) {
				name := capability(v.Str())
				if why, ok := dangerousCapabilities[name]; ok {
					t.Fail(v, v.Str(),
						"%s in %s adds capability %s, which %s; remove it from securityContext.capabilities.add",
						podcheck.Describe(c), o.Ref, name, why)
				}
			}
		}
	})
}
