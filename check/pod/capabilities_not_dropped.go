package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-capabilities-not-dropped",
		Title: "Container does not drop NET_RAW or ALL",
		Rationale: "containerd and Docker grant NET_RAW to every container unless it " +
			"is dropped, which leaves ARP and IP spoofing open. The Restricted level " +
			"requires dropping ALL.",
		Remediation: "Set securityContext.capabilities.drop: [ALL] and add back only " +
			"NET_BIND_SERVICE if the container binds a port below 1024.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9036"},
		Mitigations: []string{restrictContainers, "MS-M9028", podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSRestricted,
		Needs:       podcheck.Resources,
		Object:      checkCapabilitiesNotDropped,
	})
}

func checkCapabilitiesNotDropped(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if podcheck.IsWindows(ps) {
			t.NotApplicable("Windows pod; Linux capabilities do not apply")
			return
		}
		for _, c := range ps.Containers() {
			if dropsNetRaw(c) {
				continue
			}
			at := podcheck.Nearest(c.Value, "securityContext", "capabilities", "drop")
			t.Fail(at, "",
				"%s in %s does not drop NET_RAW or ALL; set securityContext.capabilities.drop: [ALL]",
				podcheck.Describe(c), o.Ref)
		}
	})
}

func dropsNetRaw(c check.Container) bool {
	for _, v := range c.Value.Field("securityContext").Field("capabilities").Field("drop").Items() {
		if n := capability(v.Str()); n == "ALL" || n == "NET_RAW" {
			return true
		}
	}
	return false
}
