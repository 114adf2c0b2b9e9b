package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-windows-host-process",
		Title: "Windows HostProcess container",
		Rationale: "A Windows HostProcess container runs directly on the node with its network and " +
			"file system, the Windows counterpart of a privileged container.",
		Remediation: "Remove windowsOptions.hostProcess or set it to false.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkWindowsHostProcess,
	})
}

func checkWindowsHostProcess(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if v := ps.Spec.Field("securityContext").Field("windowsOptions").Field("hostProcess"); v.IsTrue() {
			t.Fail(v, "hostProcess: true",
				"%s sets the pod's securityContext.windowsOptions.hostProcess: true; remove it or set it to false",
				o.Ref)
		}
		for _, c := range ps.Containers() {
			v := c.Value.Field("securityContext").Field("windowsOptions").Field("hostProcess")
			if v.IsTrue() {
				t.Fail(v, "hostProcess: true",
					"%s in %s sets securityContext.windowsOptions.hostProcess: true; remove it or set it to false",
					podcheck.Describe(c), o.Ref)
			}
		}
	})
}
