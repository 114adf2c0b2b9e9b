package exposure

import (
	"fmt"
	"path"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// sshImageWords are words in an image's last path segment that mark an SSH
// server image, such as linuxserver/openssh-server or atmoz/sftp.
var sshImageWords = []string{"sshd", "openssh", "ssh-server", "dropbear", "sftp"}

// sshBinaries are program names of SSH servers.
var sshBinaries = []string{"sshd", "dropbear"}

func init() {
	check.Register(&check.Check{
		ID:    "exposure-ssh-server",
		Title: "Container runs an SSH server",
		Rationale: "An SSH server in a container is a remote shell that bypasses the Kubernetes API, its " +
			"RBAC and its audit log. Weak or leaked credentials give an attacker an interactive foothold in " +
			"the pod. The check looks for container port 22 or a port named ssh, an SSH server image, and " +
			"sshd or dropbear in the command.",
		Remediation: "Remove the SSH server; use kubectl exec or debug with RBAC and audit logging for " +
			"interactive access, and keep management interfaces out of application containers.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9010"},
		Mitigations: []string{"MS-M9015", "MS-M9014"},
		Since:       "0.1.0",
		Object:      sshServer,
	})
}

func sshServer(_ *check.Context, o *source.Object, r *check.Reporter) {
	specs := check.PodSpecs(o)
	if len(specs) == 0 {
		return
	}
	failed := false
	for _, spec := range specs {
		for _, c := range spec.Containers() {
			at, evidence := sshEvidence(c)
			if evidence == "" {
				continue
			}
			failed = true
			r.Fail(at, evidence, "container %q of %s runs an SSH server (%s); remove it and use kubectl exec with RBAC and audit logging",
				c.Name, o.Ref, evidence)
		}
	}
	if !failed {
		r.Pass(o.Ref, o.Loc)
	}
}

// sshEvidence returns the field that shows a container runs an SSH server
// and a description, or "" when nothing does.
func sshEvidence(c check.Container) (source.Value, string) {
	for _, p := range c.Value.Field("ports").Items() {
		if port, ok := p.Field("containerPort").Int(); ok && port == 22 {
			return p.Field("containerPort"), "container port 22"
		}
		if name := p.Field("name").Str(); strings.EqualFold(name, "ssh") {
			return p.Field("name"), "port named " + name
		}
	}

	image := c.Value.Field("image")
	last := path.Base(repositoryPath(image.Str()))
	for _, w := range sshImageWords {
		if strings.Contains(last, w) {
			return image, "image " + image.Str()
		}
	}

	for _, field := range []string{"command", "args"} {
		for _, item := range c.Value.Field(field).Items() {
			for _, word := range strings.Fields(item.Str()) {
				for _, bin := range sshBinaries {
					if path.Base(word) == bin {
						return item, fmt.Sprintf("%s runs %s", field, word)
					}
				}
			}
		}
	}
	return source.Value{}, ""
}
