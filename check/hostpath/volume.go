package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-volume",
		Title: "hostPath volume",
		Rationale: "The Baseline level of the Pod Security Standards forbids hostPath volumes, because " +
			"they tie a pod to a node's files. This check reports the hostPath volumes that are " +
			"neither writable nor sensitive, which the other hostpath checks leave out, including " +
			"volumes that no container mounts.",
		Remediation: "Replace the hostPath volume with a PersistentVolumeClaim, a ConfigMap or an " +
			"emptyDir, or remove it if no container mounts it.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9013"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkVolume,
	})
}

func checkVolume(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, vol := range hostPathVolumes(ps) {
			at := podcheck.Nearest(vol.Value, "hostPath", "path")
			switch {
			case len(vol.Mounts) == 0:
				t.Fail(at, vol.Path,
					"%s declares hostPath volume %q (host path %q) that no container mounts; remove it",
					o.Ref, vol.Name, vol.Path)
			case vol.Writable() || sensitive(vol):
				// hostpath-writable or hostpath-sensitive reports it.
			default:
				t.Fail(at, vol.Path,
					"%s mounts host path %q (volume %q) read-only; the Baseline level forbids hostPath volumes, so use a PersistentVolumeClaim, ConfigMap or emptyDir",
					o.Ref, vol.Path, vol.Name)
			}
		}
	})
}

// sensitive reports whether any mount of the volume reaches a sensitive path.
func sensitive(vol *volume) bool {
	for _, e := range vol.exposures() {
		if _, _, ok := firstMatch(e.HostPath, sensitivePaths); ok {
			return true
		}
	}
	return false
}
