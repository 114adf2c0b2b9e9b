// Package podcheck holds the helpers that the checks reading pod specs
// share: walking an object's pod specs, counting failures so that an object
// passes only when nothing failed, and naming containers in messages.
package podcheck

import (
	"fmt"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// Tally reports the problems a check finds on one object and counts them.
type Tally struct {
	r             *check.Reporter
	failures      int
	notApplicable string
	notEvaluated  string
}

// NewTally returns a Tally that reports through r.
func NewTally(r *check.Reporter) *Tally { return &Tally{r: r} }

// Fail reports a problem at v, like check.Reporter.Fail, and counts it.
func (t *Tally) Fail(v source.Value, evidence, format string, args ...any) {
	t.failures++
	t.r.Fail(v, evidence, format, args...)
}

// NotApplicable marks the object as one the check does not apply to, so
// that EachPodSpec records the reason instead of a pass.
func (t *Tally) NotApplicable(reason string) { t.notApplicable = reason }

// NotEvaluated marks the object as one the check could not evaluate, such
// as for an image reference it cannot parse, so that EachPodSpec records the
// reason instead of a pass. It takes precedence over NotApplicable.
func (t *Tally) NotEvaluated(reason string) { t.notEvaluated = reason }

// Failures returns the number of problems reported so far.
func (t *Tally) Failures() int { return t.failures }

// EachPodSpec calls eval for every pod spec of o. When eval reports no
// problem, it records one pass for o, or the not-evaluated or
// not-applicable reason that eval set. Objects without a pod spec are
// skipped without a record.
func EachPodSpec(o *source.Object, r *check.Reporter, eval func(ps check.PodSpec, t *Tally)) {
	specs := check.PodSpecs(o)
	if len(specs) == 0 {
		return
	}

	t := NewTally(r)
	for _, ps := range specs {
		eval(ps, t)
	}

	switch {
	case t.failures > 0:
	case t.notEvaluated != "":
		r.NotEvaluated(o.Ref, o.Loc, t.notEvaluated)
	case t.notApplicable != "":
		r.NotApplicable(o.Ref, o.Loc, t.notApplicable)
	default:
		r.Pass(o.Ref, o.Loc)
	}
}

// Describe names a container for a message: `container "app"`,
// `init container "setup"` or `ephemeral container "debugger"`.
func Describe(c check.Container) string {
	kind := "container"
	switch {
	case c.Init:
		kind = "init container"
	case c.Ephem:
		kind = "ephemeral container"
	}
	return fmt.Sprintf("%s %q", kind, c.Name)
}

// IsWindows reports whether the pod spec declares spec.os.name: windows.
// The Pod Security Standards exempt such pods from the Linux-only controls.
func IsWindows(ps check.PodSpec) bool {
	return ps.Spec.Field("os").Field("name").Str() == "windows"
}

// Nearest returns the deepest existing value along a chain of field names
// under v, so that a finding about a missing field points at the closest
// line that exists, such as the container or its securityContext.
func Nearest(v source.Value, fields ...string) source.Value {
	at := v
	for _, f := range fields {
		next := at.Field(f)
		if !next.Exists() {
			return at
		}
		at = next
	}
	return at
}

// Resources lists the resources whose objects carry pod specs, for the
// Needs of a check. A check that reads pod specs cannot claim a clean
// result when any of them was unreadable.
var Resources = []string{
	"pods", "podtemplates", "deployments", "daemonsets", "statefulsets",
	"replicasets", "replicationcontrollers", "jobs", "cronjobs",
}

// Effective returns a securityContext field as it applies to a container:
// the container's own value when it sets one, otherwise the pod's. This is
// how the kubelet resolves runAsUser, runAsGroup, runAsNonRoot,
// seccompProfile, appArmorProfile and seLinuxOptions.
func Effective(ps check.PodSpec, c check.Container, field string) source.Value {
	if v := c.Value.Field("securityContext").Field(field); v.Exists() {
		return v
	}
	return ps.Spec.Field("securityContext").Field(field)
}

// NonRootIdentity reports whether a container runs with an explicit
// non-zero user and group and the pod adds no supplemental groups, so that
// it can open neither files owned by root nor files of the root group.
func NonRootIdentity(ps check.PodSpec, c check.Container) bool {
	uid, uidSet := Effective(ps, c, "runAsUser").Int()
	gid, gidSet := Effective(ps, c, "runAsGroup").Int()
	groups := ps.Spec.Field("securityContext").Field("supplementalGroups").Len()
	return uidSet && uid > 0 && gidSet && gid > 0 && groups == 0
}
