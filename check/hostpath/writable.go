package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-writable",
		Title: "Writable hostPath mount",
		Rationale: "A container that can write to a host folder can plant files that the node or other " +
			"pods run or trust, such as cron jobs, static pod manifests, binaries or SSH keys, and so " +
			"persist on the node or take it over.",
		Remediation: "Set readOnly: true on every volumeMount of the hostPath volume, or replace the " +
			"volume with a PersistentVolumeClaim or an emptyDir.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9013"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkWritable,
	})
}

func checkWritable(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, vol := range hostPathVolumes(ps) {
			for _, m := range vol.Mounts {
				if m.ReadOnly {
					continue
				}
				t.Fail(m.writableAt(), m.HostPath,
					"%s in %s mounts host path %q (volume %q) writable at %q; set readOnly: true on the volumeMount or remove the volume",
					podcheck.Describe(m.Container), o.Ref, m.HostPath, vol.Name, m.MountPath)
			}
		}
	})
}
