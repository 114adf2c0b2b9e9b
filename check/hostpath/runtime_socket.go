package hostpath

import (
	"slices"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-runtime-socket",
		Title: "hostPath mount of the container runtime socket",
		Rationale: "Whoever can connect to the Docker, containerd or CRI-O socket can start a " +
			"privileged container on the node, outside the API server's admission control. A " +
			"read-only mount does not stop a process from connecting to a socket. Only containers " +
			"with an explicit non-zero user and group and no supplemental groups are left out, " +
			"because the sockets belong to root and a root-only or administrators' group.",
		Remediation: "Remove the hostPath volume of the runtime socket or of a folder that contains it; " +
			"build images with a tool that needs no daemon, such as BuildKit rootless or kaniko.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9013", "MS-TA9008"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				failSocketExposures(o, ps, t)
			})
		},
	})
}

// failSocketExposures reports mounts that reach a runtime socket from
// containers that may connect to it. A container with an explicit non-zero
// user and group and no supplemental groups cannot open the socket, so a
// monitoring agent such as node-exporter that mounts / read-only as user
// 65534 is left to hostpath-sensitive.
//
// NOTE: the socket's group differs between hosts, such as docker with a
// distribution-chosen GID; a runAsGroup that happens to equal it is missed.
func failSocketExposures(o *source.Object, ps check.PodSpec, t *podcheck.Tally) {
	for _, vol := range hostPathVolumes(ps) {
		for _, e := range vol.exposures() {
			tg, how, ok := firstMatch(e.HostPath, runtimeSockets)
			if !ok {
				continue
			}
			e.Mounts = slices.DeleteFunc(e.Mounts, func(m mount) bool {
				return podcheck.NonRootIdentity(ps, m.Container)
			})
			if len(e.Mounts) == 0 {
				continue
			}
			t.Fail(e.At, e.HostPath,
				"%s mounts host path %q (volume %q), which %s, in %s; remove the volume, because a read-only mount does not stop connections to the socket",
				o.Ref, e.HostPath, vol.Name, describe(tg, how), e.mountedBy())
		}
	}
}
