package exposure

import (
	"strconv"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// dashboardLoginFlags are the Kubernetes dashboard flags that weaken its
// login, with what each one does.
var dashboardLoginFlags = map[string]string{
	"enable-skip-login":     "offers a Skip button that logs in as the dashboard's own service account",
	"enable-insecure-login": "accepts logins over plain HTTP, so tokens cross the network unencrypted",
}

func init() {
	check.Register(&check.Check{
		ID:    "exposure-dashboard-insecure",
		Title: "Kubernetes dashboard allows skipping or insecure login",
		Rationale: "--enable-skip-login lets anyone who reaches the dashboard skip authentication and act " +
			"with the dashboard's service account, which installations often bind to broad roles. " +
			"--enable-insecure-login serves the login over plain HTTP. Either one turns the dashboard into " +
			"an unauthenticated entry point.",
		Remediation: "Remove --enable-skip-login and --enable-insecure-login (or set them to false), serve the " +
			"dashboard over HTTPS and give its service account only the permissions it needs.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9005"},
		Mitigations: []string{"MS-M9009", "MS-M9008"},
		Since:       "0.1.0",
		Object:      dashboardInsecure,
	})
}

func dashboardInsecure(_ *check.Context, o *source.Object, r *check.Reporter) {
	evaluated, failed := false, false
	for _, spec := range check.PodSpecs(o) {
		for _, c := range spec.Containers() {
			if !isDashboard(c) {
				continue
			}
			evaluated = true
			for _, field := range []string{"command", "args"} {
				for _, item := range c.Value.Field(field).Items() {
					name, on := weakLoginFlag(item.Str())
					if !on {
						continue
					}
					failed = true
					r.Fail(item, item.Str(),
						"container %q of %s runs the Kubernetes dashboard with --%s, which %s; remove the flag",
						c.Name, o.Ref, name, dashboardLoginFlags[name])
				}
			}
		}
	}
	if evaluated && !failed {
		r.Pass(o.Ref, o.Loc)
	}
}

// isDashboard reports whether a container runs the Kubernetes dashboard's
// web server.
func isDashboard(c check.Container) bool {
	image := c.Value.Field("image").Str()
	return imageMatches(image, dashboardImages) || c.Name == "kubernetes-dashboard"
}

// weakLoginFlag returns the name of a weakening login flag in a command
// line word and whether it is turned on: bare, or with a true value.
func weakLoginFlag(word string) (name string, on bool) {
	word = strings.TrimSpace(word)
	if !strings.HasPrefix(word, "-") {
		return "", false
	}
	name, value, hasValue := strings.Cut(strings.TrimLeft(word, "-"), "=")
	if _, known := dashboardLoginFlags[name]; !known {
		return "", false
	}
	if !hasValue {
		return name, true
	}
	b, err := strconv.ParseBool(value)
	return name, err == nil && b
}
