package hostpath

import (
	"fmt"
	"path"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// Mitigations that every check of this package names.
var mitigations = []string{
	"MS-M9013", // Restrict over permissive containers
	"MS-M9016", // Restrict file and directory permissions
	"MS-M9017", // Ensure that pods meet defined Pod Security Standards
}

// volume is a hostPath volume of a pod spec with the mounts that use it.
type volume struct {
	Name      string
	Value     source.Value // the spec.volumes item
	PathValue source.Value // its hostPath.path
	Path      string       // the host path, normalized
	Mounts    []mount
}

// mount is one container's volumeMounts item for a hostPath volume.
type mount struct {
	Container check.Container
	Value     source.Value // the volumeMounts item
	MountPath string
	SubPath   source.Value // the literal subPath, when set
	HostPath  string       // the host path the container can access, normalized
	ReadOnly  bool
}

// hostPathVolumes returns the hostPath volumes of a pod spec with their
// mounts, in spec order.
func hostPathVolumes(ps check.PodSpec) []*volume {
	var out []*volume
	byName := map[string]*volume{}
	for _, v := range ps.Spec.Field("volumes").Items() {
		hp := v.Field("hostPath")
		if !hp.Exists() {
			continue
		}
		vol := &volume{
			Name:      v.Field("name").Str(),
			Value:     v,
			PathValue: hp.Field("path"),
			Path:      normalize(hp.Field("path").Str()),
		}
		out = append(out, vol)
		byName[vol.Name] = vol
	}
	if len(out) == 0 {
		return nil
	}

	for _, c := range ps.Containers() {
		for _, m := range c.Value.Field("volumeMounts").Items() {
			vol, ok := byName[m.Field("name").Str()]
			if !ok {
				continue
			}
			vol.Mounts = append(vol.Mounts, newMount(c, m, vol.Path))
		}
	}
	return out
}

func newMount(c check.Container, m source.Value, hostPath string) mount {
	mt := mount{
		Container: c,
		Value:     m,
		MountPath: m.Field("mountPath").Str(),
		HostPath:  hostPath,
		ReadOnly:  m.Field("readOnly").IsTrue(),
	}
	// subPathExpr expands environment variables at run time, so only a
	// literal subPath narrows what the container can access.
	if sub := m.Field("subPath"); sub.Str() != "" && strings.HasPrefix(hostPath, "/") {
		mt.SubPath = sub
		mt.HostPath = normalize(hostPath + "/" + sub.Str())
	}
	return mt
}

// Writable reports whether at least one container mounts the volume
// without readOnly: true.
func (v *volume) Writable() bool {
	for _, m := range v.Mounts {
		if !m.ReadOnly {
			return true
		}
	}
	return false
}

// normalize cleans a Linux host path: it removes repeated and trailing
// slashes and "." and ".." elements. Paths that do not start with a slash,
// such as Windows paths, are returned trimmed but otherwise unchanged.
func normalize(p string) string {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "/") {
		return p
	}
	return path.Clean(p)
}

// where formats the container, mount path and mode of a mount for messages.
func (m mount) where() string {
	mode := "writable"
	if m.ReadOnly {
		mode = "read-only"
	}
	return fmt.Sprintf("%s at %q (%s)", podcheck.Describe(m.Container), m.MountPath, mode)
}

// writableAt returns the value to report a writable mount at: its readOnly
// field when it is present but not true, otherwise the mount itself.
func (m mount) writableAt() source.Value {
	if ro := m.Value.Field("readOnly"); ro.Exists() {
		return ro
	}
	return m.Value
}

// exposure is a group of mounts of one volume that reach the same host path.
type exposure struct {
	Volume   *volume
	HostPath string
	At       source.Value // the hostPath.path, or the subPath that narrows it
	Mounts   []mount
}

// exposures groups the mounts of a volume by the host path they can access. A
// volume that no container mounts has no exposure.
func (v *volume) exposures() []exposure {
	var out []exposure
	index := map[string]int{}
	for _, m := range v.Mounts {
		i, ok := index[m.HostPath]
		if !ok {
			at := v.PathValue
			if m.SubPath.Exists() {
				at = m.SubPath
			}
			index[m.HostPath] = len(out)
			out = append(out, exposure{Volume: v, HostPath: m.HostPath, At: at})
			i = len(out) - 1
		}
		out[i].Mounts = append(out[i].Mounts, m)
	}
	return out
}

// mountedBy lists the containers of an exposure with their mount modes.
func (e exposure) mountedBy() string {
	parts := make([]string, len(e.Mounts))
	for i, m := range e.Mounts {
		parts[i] = m.where()
	}
	return strings.Join(parts, ", ")
}

// failExposures reports each group of mounts whose host path exposes one
// of the targets, whatever the mount mode.
func failExposures(o *source.Object, ps check.PodSpec, t *podcheck.Tally, targets []target, fix string) {
	for _, vol := range hostPathVolumes(ps) {
		for _, e := range vol.exposures() {
			tg, how, ok := firstMatch(e.HostPath, targets)
			if !ok {
				continue
			}
			t.Fail(e.At, e.HostPath,
				"%s mounts host path %q (volume %q), which %s, in %s; %s",
				o.Ref, e.HostPath, vol.Name, describe(tg, how), e.mountedBy(), fix)
		}
	}
}

// failWritable reports each writable mount of a host path that exposes one
// of the targets.
func failWritable(o *source.Object, ps check.PodSpec, t *podcheck.Tally, targets []target, fix string) {
	for _, vol := range hostPathVolumes(ps) {
		for _, m := range vol.Mounts {
			if m.ReadOnly {
				continue
			}
			tg, how, ok := firstMatch(m.HostPath, targets)
			if !ok {
				continue
			}
			t.Fail(m.writableAt(), m.HostPath,
				"%s in %s mounts host path %q (volume %q), which %s, writable at %q; %s",
				podcheck.Describe(m.Container), o.Ref, m.HostPath, vol.Name, describe(tg, how), m.MountPath, fix)
		}
	}
}
