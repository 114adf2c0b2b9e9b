package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

// upstreamSite is the address of the upstream matrix's web site.
const upstreamSite = "https://microsoft.github.io/Threat-Matrix-for-Kubernetes/"

// upstreamPrefix is the path under which the upstream site is published.
// Links that keep it after a change of host redirect as well.
const upstreamPrefix = "/Threat-Matrix-for-Kubernetes"

// redirectTable maps the upstream site's page paths to ours. Keys are the
// site paths as the content records them (URL-decoded, with a trailing
// slash and no leading one); a second map holds them lower-cased, for
// links whose case was changed on the way.
type redirectTable struct {
	exact map[string]string
	lower map[string]string
}

func buildRedirects(m *matrix.Matrix) *redirectTable {
	rt := &redirectTable{exact: map[string]string{}, lower: map[string]string{}}
	add := func(sitePath, target string) {
		if sitePath == "" {
			return
		}
		key := normalizeSitePath(sitePath)
		rt.exact[key] = target
		rt.lower[strings.ToLower(key)] = target
	}
	for _, t := range m.Techniques {
		add(t.SitePath, techniqueURL(t.ID))
	}
	for _, x := range m.Mitigations {
		add(x.SitePath, mitigationURL(x.ID))
	}
	for _, t := range m.Tactics {
		add("tactics/"+t.UpstreamSlug+"/", tacticURL(t.Slug))
	}
	return rt
}

// normalizeSitePath turns a request path or a recorded site path into a
// table key: no leading slash, no "index.html", one trailing slash.
func normalizeSitePath(p string) string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "index.html")
	p = strings.TrimSuffix(p, ".md")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// lookup returns our URL for an upstream page path.
func (rt *redirectTable) lookup(p string) (string, bool) {
	key := normalizeSitePath(p)
	if target, ok := rt.exact[key]; ok {
		return target, true
	}
	target, ok := rt.lower[strings.ToLower(key)]
	return target, ok
}

// handleUpstream serves the paths under /techniques/, /mitigations/ and
// /tactics/ that are not a single ID segment, and everything under the
// upstream site's prefix: it redirects upstream page paths, and our own
// paths with a trailing slash or index.html, to the canonical page.
func (s *Site) handleUpstream(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, upstreamPrefix); ok {
		p = rest
		if p == "/" || p == "" || p == "/index.html" {
			redirect(w, r, "/")
			return nil
		}
	}
	if target, ok := s.redirects.lookup(p); ok {
		redirect(w, r, target)
		return nil
	}

	section, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	id := strings.TrimSuffix(strings.TrimSuffix(rest, "index.html"), "/")
	if id == "" && (section == "techniques" || section == "mitigations" || section == "tactics") {
		redirect(w, r, "/"+section)
		return nil
	}
	if target, ok := s.canonicalPath(section, id); ok {
		redirect(w, r, target)
		return nil
	}
	return s.notFoundIn(section, id)
}

// canonicalPath returns our page for an ID given in any case, or for a
// retired technique ID.
func (s *Site) canonicalPath(section, id string) (string, bool) {
	switch section {
	case "techniques":
		if t, ok := s.m.Technique(id); ok {
			return techniqueURL(t.ID), true
		}
		if rt, ok := s.m.RetiredID(id); ok {
			return techniqueURL(rt.Successor) + "?from=" + url.QueryEscape(rt.ID), true
		}
	case "mitigations":
		if x, ok := s.m.Mitigation(id); ok {
			return mitigationURL(x.ID), true
		}
	case "tactics":
		if t, ok := s.m.Tactic(id); ok {
			return tacticURL(t.Slug), true
		}
	}
	return "", false
}

// notFoundIn returns a 404 error for an unknown ID in a section, with the
// known IDs nearest to it.
func (s *Site) notFoundIn(section, id string) error {
	kind := map[string]string{"techniques": "technique", "mitigations": "mitigation", "tactics": "tactic"}[section]
	if kind == "" || id == "" {
		return errNotFound("no page at this address")
	}
	e := errNotFound("no %s %q", kind, id)
	e.Suggestions = s.m.Suggest(id, 3)
	return e
}

// cacheRedirect lets clients keep a permanent redirect for a day: the
// table behind it changes only with a new release.
const cacheRedirect = "public, max-age=86400"

// redirect sends a 301 to target, keeping the request's query string
// unless target has its own.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.URL.RawQuery != "" && !strings.Contains(target, "?") {
		target += "?" + r.URL.RawQuery
	}
	w.Header().Set("Cache-Control", cacheRedirect)
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}
