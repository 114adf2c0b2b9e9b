package image

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// noAllowList is the reason for not evaluating the check without
// configuration.
const noAllowList = "no allowed registries configured; set allowedRegistries in .kubethreat.yaml"

func init() {
	check.Register(&check.Check{
		ID:    "image-registry-not-allowed",
		Title: "Image comes from a registry outside the allow-list",
		Rationale: "Images from registries the organization does not control or scan can carry " +
			"malware or backdoors, and a typo in a registry name can pull an attacker's image.",
		Remediation: "Pull the image through an allowed registry, such as a mirror that scans " +
			"images, or add the registry to allowedRegistries once it is trusted.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9002"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		Needs:       podcheck.Resources,
		Object:      checkRegistryNotAllowed,
	})
}

func checkRegistryNotAllowed(c *check.Context, o *source.Object, r *check.Reporter) {
	allowList := c.Config.AllowedRegistries
	if len(allowList) == 0 {
		if len(check.PodSpecs(o)) > 0 {
			r.NotEvaluated(o.Ref, o.Loc, noAllowList)
		}
		return
	}

	eachImage(o, r, func(ct check.Container, v source.Value, ref Reference, t *podcheck.Tally) {
		if allowed(ref, allowList) {
			return
		}
		t.Fail(v, v.Str(),
			"%s in %s uses image %q from %s, which allowedRegistries (%s) does not list; pull it from an allowed registry",
			podcheck.Describe(ct), o.Ref, v.Str(), ref.Name(), strings.Join(allowList, ", "))
	})
}

// allowed reports whether an image's name starts with one of the allowed
// prefixes. A prefix ending in "/" matches names that start with it. Any
// other prefix matches the name itself or names under it, so
// "ghcr.io/acme" allows ghcr.io/acme/app but not ghcr.io/acmecorp/app. A
// registry written as "*.example.com" allows every subdomain of
// example.com. Prefixes are normalized like image names, so "docker.io",
// "index.docker.io" and "https://docker.io/" are the same registry, and
// registry host names compare without regard to case.
func allowed(ref Reference, prefixes []string) bool {
	registry := strings.ToLower(ref.Registry)
	name := registry + "/" + ref.Repository
	for _, p := range prefixes {
		prefix, wildcardHost := normalizePrefix(p)
		switch {
		case wildcardHost != "":
			if strings.HasSuffix(registry, wildcardHost) && underPrefix(ref.Repository, prefix) {
				return true
			}
		case prefix != "" && underPrefix(name, prefix):
			return true
		}
	}
	return false
}

// underPrefix reports whether name is prefix or under it. A prefix that
// ends in "/" must be followed by more of the name.
func underPrefix(name, prefix string) bool {
	if prefix == "" {
		return true
	}
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(name, prefix)
	}
	return name == prefix || strings.HasPrefix(name, prefix+"/")
}

// normalizePrefix cleans an allow-list entry. For an entry whose registry
// is "*.example.com" it returns the remainder after the registry and
// ".example.com" as wildcardHost.
func normalizePrefix(p string) (prefix, wildcardHost string) {
	p = strings.TrimSpace(p)
	p = strings.TrimPrefix(strings.TrimPrefix(p, "https://"), "http://")
	if p == "" {
		return "", ""
	}
	host, rest, _ := strings.Cut(p, "/")
	slash := strings.Contains(p, "/")
	host = strings.ToLower(host)
	if strings.HasPrefix(host, "*.") {
		if slash {
			return rest, host[1:]
		}
		return "", host[1:]
	}
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		host = defaultRegistry
	}
	if !slash {
		return host + "/", ""
	}
	return host + "/" + rest, ""
}
