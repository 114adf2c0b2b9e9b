package pod

import (
	"strconv"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-host-port",
		Title: "Container binds a host port",
		Rationale: "A hostPort opens the container's port on the node's own address, outside Services " +
			"and usually outside NetworkPolicies, which exposes the container to anyone who can " +
			"reach the node.",
		Remediation: "Remove ports[].hostPort and expose the port through a Service.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9005"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkHostPort,
	})
}

func checkHostPort(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			for _, p := range c.Value.Field("ports").Items() {
				v := p.Field("hostPort")
				port, ok := v.Int()
				if !ok || port == 0 {
					continue
				}
				t.Fail(v, "hostPort: "+strconv.FormatInt(port, 10),
					"%s in %s binds host port %d; remove hostPort and expose the port through a Service",
					podcheck.Describe(c), o.Ref, port)
			}
		}
	})
}
