package workload

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "workload-no-resource-limits",
		Title: "Container has no CPU or memory limit",
		Rationale: "A container without limits can take all the CPU and memory of its node, whether " +
			"it is hijacked to mine cryptocurrency or simply overloaded, and starve the other pods " +
			"and the kubelet.",
		Remediation: "Set resources.limits.cpu and resources.limits.memory on every container, or " +
			"a LimitRange with default limits in the namespace.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9039", "MS-TA9040"},
		Mitigations: []string{"MS-M9029"},
		Since:       "0.1.0",
		Needs:       append([]string{"limitranges"}, podcheck.Resources...),
		Inventory:   checkNoResourceLimits,
	})
}

// namespaceOf returns the namespace of an object, taking "default" for
// objects that name none, as kubectl apply does.
func namespaceOf(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// defaultLimits returns, per namespace, the resources that a LimitRange
// gives containers a default limit for.
func defaultLimits(inv *check.Inventory) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, lr := range inv.Kind("LimitRange") {
		ns := namespaceOf(lr.Namespace)
		for _, l := range lr.Root().Field("spec").Field("limits").Items() {
			if l.Field("type").Str() != "Container" {
				continue
			}
			for _, e := range l.Field("default").Entries() {
				if out[ns] == nil {
					out[ns] = map[string]bool{}
				}
				out[ns][e.Key] = true
			}
		}
	}
	return out
}

func checkNoResourceLimits(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	defaults := defaultLimits(inv)
	for _, o := range inv.Objects {
		ns := namespaceOf(o.Namespace)
		podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
			for _, c := range ps.Containers() {
				if c.Ephem {
					// Ephemeral containers cannot set resources.
					continue
				}
				evalLimits(o, c, ns, defaults[ns], t)
			}
		})
	}
}

func evalLimits(o *source.Object, c check.Container, ns string, defaults map[string]bool, t *podcheck.Tally) {
	limits := c.Value.Field("resources").Field("limits")
	var missing []string
	for _, res := range []string{"cpu", "memory"} {
		if !limits.Field(res).Exists() && !defaults[res] {
			missing = append(missing, res)
		}
	}
	if len(missing) == 0 {
		return
	}

	fields := make([]string, len(missing))
	for i, m := range missing {
		fields[i] = "resources.limits." + m
	}
	t.Fail(podcheck.Nearest(c.Value, "resources", "limits"), strings.Join(missing, ", "),
		"%s in %s has no %s limit, and no LimitRange in namespace %s sets a default; set %s",
		podcheck.Describe(c), o.Ref, strings.Join(missing, " or "), ns, strings.Join(fields, " and "))
}
