package detect

import (
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

// mapper maps the references a rule carries (ATT&CK IDs, matrix IDs, links
// to the matrix site, tactic tags) to techniques of the knowledge base.
type mapper struct {
	m *matrix.Matrix

	// pages maps a normalized technique page name (from the upstream
	// site's page path, the technique name, its aliases and former names)
	// to the technique.
	pages map[string]*matrix.Technique
}

func newMapper(m *matrix.Matrix) *mapper {
	mp := &mapper{m: m, pages: map[string]*matrix.Technique{}}
	for _, t := range m.Techniques {
		if name, ok := strings.CutPrefix(strings.Trim(t.SitePath, "/"), "techniques/"); ok {
			mp.pages[normalizePage(name)] = t
		}
		mp.pages[normalizePage(t.ID)] = t
		for _, n := range append(append([]string{t.Name}, t.Aliases...), t.FormerNames...) {
			key := normalizePage(n)
			if _, taken := mp.pages[key]; !taken {
				mp.pages[key] = t
			}
		}
	}
	for _, r := range m.Retired {
		if t, ok := m.Technique(r.Successor); ok {
			mp.pages[normalizePage(r.Name)] = t
		}
	}
	return mp
}

// normalizePage reduces a page name to a comparable key: unescaped,
// lower-case, with runs of spaces, hyphens and underscores folded to one
// space.
func normalizePage(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	s = strings.ToLower(strings.TrimSpace(s))
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '+' })
	return strings.Join(fields, " ")
}

var (
	attackIDPattern = regexp.MustCompile(`(?i)^T\d{4}(\.\d{3})?$`)
	tacticIDPattern = regexp.MustCompile(`(?i)^TA\d{4}$`)
	matrixIDPattern = regexp.MustCompile(`(?i)^MS-TA9\d{3}$`)
)

// isAttackID reports whether s is an ATT&CK technique or sub-technique ID.
func isAttackID(s string) bool { return attackIDPattern.MatchString(s) }

// mapMatrixID maps a matrix technique ID named by a rule. A retired ID maps
// to its successor.
func (mp *mapper) mapMatrixID(r *Rule, id string) bool {
	id = strings.ToUpper(strings.TrimSpace(id))
	if t, ok := mp.m.Technique(id); ok {
		r.addMapping(Mapping{Technique: t.ID, How: Explicit, Via: id})
		return true
	}
	if old, ok := mp.m.RetiredID(id); ok && old.Successor != "" {
		r.addMapping(Mapping{Technique: old.Successor, How: Explicit, Via: id,
			Note: id + " is retired; the matrix folded it into " + old.Successor})
		return true
	}
	return false
}

// mapAttackID maps an ATT&CK technique ID. It returns false when no matrix
// technique maps to the ID or to its parent.
func (mp *mapper) mapAttackID(r *Rule, id string) bool {
	id = strings.ToUpper(strings.TrimSpace(id))
	r.AttackIDs = appendUnique(r.AttackIDs, id)
	techs := mp.m.TechniquesForAttack(id)
	if len(techs) == 0 {
		return false
	}
	note := ""
	if _, direct := mp.m.AttackTechnique(id); !direct {
		parent, _, _ := strings.Cut(id, ".")
		note = "no matrix technique maps to " + id + "; mapped through its parent " + parent
	}
	how := AttackUnique
	if len(techs) > 1 {
		how = AttackShared
	}
	for _, t := range techs {
		mapping := Mapping{Technique: t.ID, How: how, Via: id, Note: note}
		if how == AttackShared {
			mapping.Note = joinNotes(note, "ambiguous: "+id+" maps to "+joinIDs(techniqueIDs(techs)))
		}
		r.addMapping(mapping)
	}
	return true
}

// mapLink maps a URL that points at a technique page of the matrix site
// (microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/<name>/), of
// the upstream repository or of a kubethreat server. It returns false for
// other URLs, and records links to the matrix's pages on the rule.
func (mp *mapper) mapLink(r *Rule, raw string) bool {
	name, ok := matrixPageName(raw)
	if !ok {
		return false
	}
	r.Links = appendUnique(r.Links, strings.TrimSpace(raw))
	t, ok := mp.pages[normalizePage(name)]
	if !ok {
		if old, retired := mp.m.RetiredID(name); retired && old.Successor != "" {
			t, ok = mp.m.Technique(old.Successor)
		}
	}
	if !ok {
		return false
	}
	r.addMapping(Mapping{Technique: t.ID, How: Explicit, Via: strings.TrimSpace(raw)})
	return true
}

// matrixPageName returns the technique page name in a link to the matrix's
// pages. A link counts when its path has a "techniques" segment and either
// the host or the path names the Threat Matrix for Kubernetes, or the path
// is a kubethreat technique page (/techniques/MS-TA9xxx).
func matrixPageName(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", false
	}
	p := u.EscapedPath()
	if unescaped, err := url.PathUnescape(p); err == nil {
		p = unescaped
	}
	p = strings.TrimSuffix(p, "index.html")
	p = strings.TrimSuffix(p, ".md")
	segments := strings.Split(strings.Trim(p, "/"), "/")
	for i, seg := range segments {
		if !strings.EqualFold(seg, "techniques") || i+1 >= len(segments) {
			continue
		}
		name := segments[i+1]
		onMatrixSite := strings.Contains(strings.ToLower(u.Host+p), "threat-matrix-for-kubernetes")
		if onMatrixSite || matrixIDPattern.MatchString(name) {
			return path.Clean(name), true
		}
	}
	return "", false
}

// tacticTag returns the matrix tactic slug named by a tactic tag such as
// "privilege-escalation", "privilege_escalation", "PrivilegeEscalation" or
// "TA0004". ATT&CK's newer tactic names "stealth" and "defense-impairment",
// which replaced defense evasion, map to the matrix's Defense Evasion.
func (mp *mapper) tacticTag(tag string) (string, bool) {
	key := strings.ToLower(strings.TrimSpace(tag))
	key = strings.ReplaceAll(key, "_", "-")
	switch key {
	case "stealth", "defense-impairment":
		key = "defense-evasion"
	}
	if t, ok := mp.m.Tactic(key); ok {
		return t.Slug, true
	}
	if t, ok := mp.m.Tactic(strings.ReplaceAll(key, "-", " ")); ok {
		return t.Slug, true
	}
	if tacticIDPattern.MatchString(key) {
		for _, t := range mp.m.Tactics {
			if strings.EqualFold(t.Attack.ID, key) {
				return t.Slug, true
			}
		}
	}
	return "", false
}

// explainUnmapped sets the reason of a rule that ended up with no mapping.
func explainUnmapped(r *Rule) {
	if r.Mapped() || r.Reason != "" {
		return
	}
	switch {
	case len(r.AttackIDs) > 0:
		r.Reason = "no matrix technique maps to ATT&CK " + joinIDs(r.AttackIDs)
	case len(r.Tactics) > 0:
		r.Reason = "only tactic tags (" + joinIDs(r.Tactics) + "); a tactic names no single technique"
	default:
		r.Reason = "no ATT&CK technique, matrix ID or matrix page link"
	}
}

func techniqueIDs(ts []*matrix.Technique) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	sort.Strings(ids)
	return ids
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
