package pod

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// Legacy seccomp annotations, replaced by securityContext.seccompProfile in
// Kubernetes 1.19.
const (
	seccompPodAnnotation       = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotation = "container.seccomp.security.alpha.kubernetes.io/"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-seccomp-unconfined",
		Title: "Seccomp is turned off",
		Rationale: "The Unconfined seccomp profile lets the container make every system call, " +
			"including the rarely needed ones behind most kernel escapes.",
		Remediation: "Set securityContext.seccompProfile.type to RuntimeDefault, or to Localhost " +
			"with a profile, and remove unconfined seccomp annotations.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictLSM, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkSeccompUnconfined,
	})
}

func checkSeccompUnconfined(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if v := ps.Spec.Field("securityContext").Field("seccompProfile").Field("type"); v.Str() == "Unconfined" {
			t.Fail(v, "type: Unconfined",
				"%s sets the pod's securityContext.seccompProfile.type: Unconfined; set it to RuntimeDefault",
				o.Ref)
		}
		for _, c := range ps.Containers() {
			v := c.Value.Field("securityContext").Field("seccompProfile").Field("type")
			if v.Str() == "Unconfined" {
				t.Fail(v, "type: Unconfined",
					"%s in %s sets securityContext.seccompProfile.type: Unconfined; set it to RuntimeDefault",
					podcheck.Describe(c), o.Ref)
			}
		}
		for _, e := range ps.Meta.Field("annotations").Entries() {
			isSeccomp := e.Key == seccompPodAnnotation || strings.HasPrefix(e.Key, seccompContainerAnnotation)
			if isSeccomp && strings.EqualFold(e.Value.Str(), "unconfined") {
				t.Fail(e.Value, e.Key+": unconfined",
					"%s sets annotation %s: unconfined; remove it and set securityContext.seccompProfile.type: RuntimeDefault",
					o.Ref, e.Key)
			}
		}
	})
}
