package pod

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// appArmorAnnotation is the prefix of the per-container AppArmor annotation
// that securityContext.appArmorProfile replaced in Kubernetes 1.30.
const appArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/"

func init() {
	check.Register(&check.Check{
		ID:    "pod-apparmor-unconfined",
		Title: "AppArmor is turned off",
		Rationale: "On nodes with AppArmor, the runtime's default profile blocks writes to /proc and " +
			"/sys and mounting file systems; an unconfined container loses that guard.",
		Remediation: "Remove the Unconfined appArmorProfile or the unconfined annotation, or set " +
			"securityContext.appArmorProfile.type: RuntimeDefault.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictLSM, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkAppArmorUnconfined,
	})
}

func checkAppArmorUnconfined(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if v := ps.Spec.Field("securityContext").Field("appArmorProfile").Field("type"); v.Str() == "Unconfined" {
			t.Fail(v, "type: Unconfined",
				"%s sets the pod's securityContext.appArmorProfile.type: Unconfined; set it to RuntimeDefault",
				o.Ref)
		}
		for _, c := range ps.Containers() {
			v := c.Value.Field("securityContext").Field("appArmorProfile").Field("type")
			if v.Str() == "Unconfined" {
				t.Fail(v, "type: Unconfined",
					"%s in %s sets securityContext.appArmorProfile.type: Unconfined; set it to RuntimeDefault",
					podcheck.Describe(c), o.Ref)
			}
		}
		for _, e := range ps.Meta.Field("annotations").Entries() {
			if strings.HasPrefix(e.Key, appArmorAnnotation) && e.Value.Str() == "unconfined" {
				t.Fail(e.Value, e.Key+": unconfined",
					"%s sets annotation %s: unconfined; remove it or set it to runtime/default",
					o.Ref, e.Key)
			}
		}
	})
}
