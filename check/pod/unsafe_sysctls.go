package pod

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// safeSysctls is the set of sysctls that the Baseline level allows as of
// Kubernetes 1.29, because they are namespaced and isolated from other pods.
var safeSysctls = map[string]bool{
	"kernel.shm_rmid_forced":              true,
	"net.ipv4.ip_local_port_range":        true,
	"net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.tcp_syncookies":             true,
	"net.ipv4.ping_group_range":           true,
	"net.ipv4.ip_local_reserved_ports":    true,
	"net.ipv4.tcp_keepalive_time":         true,
	"net.ipv4.tcp_fin_timeout":            true,
	"net.ipv4.tcp_keepalive_intvl":        true,
	"net.ipv4.tcp_keepalive_probes":       true,
}

func init() {
	check.Register(&check.Check{
		ID:    "pod-unsafe-sysctls",
		Title: "Pod sets an unsafe sysctl",
		Rationale: "Sysctls outside the safe set either change the whole node or are not isolated " +
			"between pods, so setting them can weaken the node's security or starve other pods.",
		Remediation: "Remove the sysctl from spec.securityContext.sysctls, or set it on the node " +
			"instead of in the pod.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018", "MS-TA9040"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkUnsafeSysctls,
	})
}

func checkUnsafeSysctls(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, s := range ps.Spec.Field("securityContext").Field("sysctls").Items() {
			v := s.Field("name")
			name := sysctlName(v.Str())
			if name == "" || safeSysctls[name] {
				continue
			}
			t.Fail(v, v.Str(),
				"%s sets sysctl %s, which is not in the safe set; remove it from spec.securityContext.sysctls",
				o.Ref, v.Str())
		}
	})
}

// sysctlName converts a sysctl name to its dotted form. The kubelet also
// accepts names separated by slashes, in which dots stand for slashes, so
// "net/ipv4/ip_forward" is "net.ipv4.ip_forward".
func sysctlName(name string) string {
	name = strings.TrimSpace(name)
	first := strings.IndexAny(name, "./")
	if first < 0 || name[first] == '.' {
		return name
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '/':
			return '.'
		case '.':
			return '/'
		}
		return r
	}, name)
}
