package pod

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// Mitigation IDs that most checks of this package name.
const (
	restrictContainers = "MS-M9013" // Restrict over permissive containers
	restrictLSM        = "MS-M9011" // Restrict container runtime using LSM
	podSecurity        = "MS-M9017" // Ensure that pods meet defined Pod Security Standards
)

// effective returns a securityContext field as it applies to a container.
func effective(ps check.PodSpec, c check.Container, field string) source.Value {
	return podcheck.Effective(ps, c, field)
}

// level names where a value was set, for messages.
func level(v source.Value, c check.Container) string {
	if strings.HasPrefix(v.Path(), c.Value.Path()+".") {
		return podcheck.Describe(c)
	}
	return "the pod"
}

// capability normalizes a Linux capability name: upper case, without the
// CAP_ prefix, so that "cap_sys_admin" and "SYS_ADMIN" compare equal.
func capability(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	return strings.TrimPrefix(n, "CAP_")
}

// addedCapabilities returns the items of a container's
// securityContext.capabilities.add list.
func addedCapabilities(c check.Container) []source.Value {
	return c.Value.Field("securityContext").Field("capabilities").Field("add").Items()
}

// addsCapability reports whether a container adds the capability or ALL.
func addsCapability(c check.Container, name string) bool {
	for _, v := range addedCapabilities(c) {
		if n := capability(v.Str()); n == name || n == "ALL" {
			return true
		}
	}
	return false
}

// baselineCapabilities are the capabilities that the Baseline level of the
// Pod Security Standards lets a container add: the default set of container
// runtimes without NET_RAW.
var baselineCapabilities = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true,
	"FSETID": true, "KILL": true, "MKNOD": true, "NET_BIND_SERVICE": true,
	"SETFCAP": true, "SETGID": true, "SETPCAP": true, "SETUID": true,
	"SYS_CHROOT": true,
}

// dangerousCapabilities are the added capabilities that pod-dangerous-capabilities
// reports, each with what it lets a process do.
var dangerousCapabilities = map[string]string{
	"ALL":             "grants every capability",
	"SYS_ADMIN":       "allows mounting file systems and other steps out of the container",
	"SYS_MODULE":      "allows loading kernel modules into the node's kernel",
	"SYS_PTRACE":      "allows tracing and injecting code into other processes",
	"SYS_RAWIO":       "allows raw access to devices and I/O ports",
	"DAC_READ_SEARCH": "allows opening host files by handle, bypassing the container's mount namespace",
	"BPF":             "allows loading eBPF programs into the node's kernel",
}

// networkCapabilities are the added capabilities that pod-net-raw-capability
// reports, each with what it lets a process do.
var networkCapabilities = map[string]string{
	"NET_RAW":   "allows crafting raw packets, as in ARP and DNS spoofing",
	"NET_ADMIN": "allows changing interfaces, routes and firewall rules",
}
