package pod_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	_ "github.com/kubethreat/kubethreat/check/pod"
	"github.com/kubethreat/kubethreat/matrix"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "pod-", check.Config{})
}

// failure is the part of a failing finding that a test pins down.
type failure struct {
	path    string
	line    int
	message string
}

func failures(t *testing.T, id, file string) []failure {
	t.Helper()
	res := checktest.RunCheck(t, id, checktest.Load(t, filepath.Join("testdata", file)), check.Config{})
	var out []failure
	for _, f := range res.Findings {
		if f.Status == check.Fail {
			out = append(out, failure{f.FieldPath, f.Location.Line, f.Message})
		}
	}
	return out
}

func TestFindingLocations(t *testing.T) {
	tests := []struct {
		id, file string
		want     []failure
	}{
		{
			"pod-privileged", "pod-privileged/fail-deployment-container.yaml",
			[]failure{{
				"spec.template.spec.containers[1].securityContext.privileged", 19,
				`container "sidecar" in Deployment "shop/api" sets securityContext.privileged: true; remove it or set it to false`,
			}},
		},
		{
			"pod-privileged", "pod-privileged/fail-init-container.yaml",
			[]failure{{
				"spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged", 17,
				`init container "setup" in CronJob "ops/cleanup" sets securityContext.privileged: true; remove it or set it to false`,
			}},
		},
		{
			"pod-privileged", "pod-privileged/fail-ephemeral-container.yaml",
			[]failure{{
				"spec.ephemeralContainers[0].securityContext.privileged", 14,
				`ephemeral container "debugger" in Pod "default/web" sets securityContext.privileged: true; remove it or set it to false`,
			}},
		},
		{
			"pod-run-as-root", "pod-run-as-root/fail-user-zero-overrides-pod.yaml",
			[]failure{{
				"spec.template.spec.containers[1].securityContext.runAsUser", 22,
				`container "backup" in Deployment "shop/api" runs as root: runAsUser: 0 is set on container "backup"; set runAsUser to a non-zero UID and runAsNonRoot: true`,
			}},
		},
		{
			"pod-run-as-root", "pod-run-as-root/fail-container-turns-non-root-off.yaml",
			[]failure{{
				"spec.containers[0].securityContext.runAsNonRoot", 12,
				`container "web" in Pod "web" may run as root: runAsNonRoot is false on container "web" and no non-zero runAsUser is set; set runAsNonRoot: true`,
			}},
		},
		{
			"pod-run-as-root", "pod-run-as-root/fail-nothing-set.yaml",
			[]failure{{
				"spec.containers[0]", 7,
				`container "web" in Pod "web" may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser; set runAsNonRoot: true`,
			}},
		},
		{
			"pod-allow-privilege-escalation", "pod-allow-privilege-escalation/fail-true.yaml",
			[]failure{{
				"spec.initContainers[0].securityContext.allowPrivilegeEscalation", 15,
				`init container "migrate" in Pod "web" sets securityContext.allowPrivilegeEscalation: true; set it to false`,
			}},
		},
		{
			"pod-host-pid", "pod-host-pid/fail-host-pid.yaml",
			[]failure{{
				"spec.template.spec.hostPID", 13,
				`DaemonSet "ops/monitor" sets hostPID: true, which shows its containers every process on the node; remove it or set it to false`,
			}},
		},
		{
			"pod-host-port", "pod-host-port/fail-host-port.yaml",
			[]failure{{
				"spec.template.spec.containers[0].ports[1].hostPort", 19,
				`container "proxy" in DaemonSet "edge/node-proxy" binds host port 443; remove hostPort and expose the port through a Service`,
			}},
		},
		{
			"pod-seccomp-unconfined", "pod-seccomp-unconfined/fail-annotation.yaml",
			[]failure{{
				"spec.template.metadata.annotations.container.seccomp.security.alpha.kubernetes.io/app", 12,
				`Deployment "legacy" sets annotation container.seccomp.security.alpha.kubernetes.io/app: unconfined; remove it and set securityContext.seccompProfile.type: RuntimeDefault`,
			}},
		},
		{
			"pod-unsafe-sysctls", "pod-unsafe-sysctls/fail-slash-form.yaml",
			[]failure{{
				"spec.securityContext.sysctls[1].name", 10,
				`Pod "db" sets sysctl kernel/msgmax, which is not in the safe set; remove it from spec.securityContext.sysctls`,
			}},
		},
		{
			"pod-dangerous-capabilities", "pod-dangerous-capabilities/fail-ptrace-module.yaml",
			[]failure{
				{"spec.ephemeralContainers[0].securityContext.capabilities.add[0]", 14,
					`ephemeral container "debugger" in Pod "debug" adds capability SYS_PTRACE, which allows tracing and injecting code into other processes; remove it from securityContext.capabilities.add`},
				{"spec.ephemeralContainers[0].securityContext.capabilities.add[1]", 14,
					`ephemeral container "debugger" in Pod "debug" adds capability SYS_MODULE, which allows loading kernel modules into the node's kernel; remove it from securityContext.capabilities.add`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := failures(t, tt.id, tt.file)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d failures, want %d: %+v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i].path != tt.want[i].path {
					t.Errorf("failure %d: field path %q, want %q", i, got[i].path, tt.want[i].path)
				}
				if got[i].line != tt.want[i].line {
					t.Errorf("failure %d: line %d, want %d", i, got[i].line, tt.want[i].line)
				}
				if got[i].message != tt.want[i].message {
					t.Errorf("failure %d: message\n got %s\nwant %s", i, got[i].message, tt.want[i].message)
				}
			}
		})
	}
}

func TestWindowsPodNotApplicable(t *testing.T) {
	inv := checktest.Load(t, filepath.Join("testdata", "cases", "windows-pod.yaml"))
	for _, id := range []string{"pod-allow-privilege-escalation", "pod-capabilities-not-dropped", "pod-seccomp-missing", "pod-run-as-root"} {
		res := checktest.RunCheck(t, id, inv, check.Config{})
		st := res.Stats[id]
		if st.Failed != 0 || st.Passed != 0 || st.NotApplicable != 1 {
			t.Errorf("%s: stats %+v, want one not-applicable result and nothing else", id, st)
		}
	}
}

func TestPodChecksNamePSSAndMitigation(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range check.All() {
		if !strings.HasPrefix(c.ID, "pod-") {
			continue
		}
		if c.PSS != check.PSSBaseline && c.PSS != check.PSSRestricted {
			t.Errorf("%s: PSS level %q, want baseline or restricted", c.ID, c.PSS)
		}
		if !contains(c.Mitigations, "MS-M9017") {
			t.Errorf("%s: mitigations %v lack MS-M9017", c.ID, c.Mitigations)
		}
		if !contains(c.Mitigations, "MS-M9013") && !contains(c.Mitigations, "MS-M9011") {
			t.Errorf("%s: mitigations %v lack MS-M9013 and MS-M9011", c.ID, c.Mitigations)
		}
		for _, id := range c.Techniques {
			if _, ok := m.Technique(id); !ok {
				t.Errorf("%s: unknown technique %s", c.ID, id)
			}
		}
		for _, id := range c.Mitigations {
			if _, ok := m.Mitigation(id); !ok {
				t.Errorf("%s: unknown mitigation %s", c.ID, id)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
