// Package detect imports the detection rules an organization runs and maps
// each rule to techniques of the Threat Matrix for Kubernetes, recording how
// every mapping was made. It reads Falco, Sigma, Elastic and Splunk rules and
// kubethreat mapping files, and has a built-in Microsoft Defender for
// Containers profile.
package detect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// How is the kind of evidence a mapping of a rule to a technique rests on.
type How string

// Mapping kinds.
const (
	// Explicit: the rule names a matrix technique ID or links to the
	// technique's page on the matrix site.
	Explicit How = "explicit"
	// Builtin: kubethreat's documented table maps the rule, for Falco
	// Kubernetes audit rules, which carry no ATT&CK tags.
	Builtin How = "builtin"
	// AttackUnique: the rule names an ATT&CK technique that exactly one
	// matrix technique maps to.
	AttackUnique How = "attack-unique"
	// AttackShared: the rule names an ATT&CK technique that several matrix
	// techniques map to, so the rule may detect any of them.
	AttackShared How = "attack-shared"
	// Inferred: a guess from an alert's name and documented tactics, for the
	// Defender profile.
	Inferred How = "inferred"
)

// Hows lists the mapping kinds from the most certain to the least.
var Hows = []How{Explicit, Builtin, AttackUnique, AttackShared, Inferred}

// Rank orders mapping kinds: a smaller rank is more certain.
func (h How) Rank() int {
	for i, x := range Hows {
		if x == h {
			return i
		}
	}
	return len(Hows)
}

// Strong reports whether the mapping names one technique without
// ambiguity or guessing: explicit, builtin and attack-unique mappings.
func (h How) Strong() bool { return h == Explicit || h == Builtin || h == AttackUnique }

// Formats of rule files.
const (
	FormatFalco    = "falco"
	FormatSigma    = "sigma"
	FormatElastic  = "elastic"
	FormatSplunk   = "splunk"
	FormatMapping  = "mapping"
	FormatDefender = "defender"
)

// Mapping links a rule to one matrix technique.
type Mapping struct {
	Technique string `json:"technique"` // MS-TA9xxx
	How       How    `json:"how"`
	Via       string `json:"via"`            // the ATT&CK ID, matrix ID, link or rule property that produced it
	Note      string `json:"note,omitempty"` // such as the other techniques sharing an ATT&CK ID
}

// Rule is one imported detection rule.
type Rule struct {
	Source    string    `json:"source"` // file path, or "profile:defender"
	Line      int       `json:"line,omitempty"`
	Format    string    `json:"format"`
	Name      string    `json:"name"`
	Enabled   bool      `json:"enabled"`
	Tags      []string  `json:"tags,omitempty"`
	Tactics   []string  `json:"tactics,omitempty"` // matrix tactic slugs named by tactic tags
	AttackIDs []string  `json:"attackIds,omitempty"`
	Links     []string  `json:"links,omitempty"` // references to the matrix's own pages
	Mappings  []Mapping `json:"mappings,omitempty"`

	// Reason is the explanation for an unmapped or disabled rule.
	Reason string `json:"reason,omitempty"`
}

// Mapped reports whether the rule maps to at least one technique.
func (r *Rule) Mapped() bool { return len(r.Mappings) > 0 }

// Location returns "file:line", or the source alone when the line is
// unknown.
func (r *Rule) Location() string {
	if r.Line > 0 {
		return r.Source + ":" + strconv.Itoa(r.Line)
	}
	return r.Source
}

// Diagnostic severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Diagnostic is a problem found while importing a file. An error means
// rules were lost; a warning means the file was read with a caveat.
type Diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func (d Diagnostic) String() string {
	loc := d.File
	if d.Line > 0 {
		loc += ":" + strconv.Itoa(d.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, d.Severity, d.Message)
}

// Skipped is a file that was read but holds no detection rules, such as a
// Falco configuration file or a Kubernetes manifest.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Set is the result of an import: every rule in input order, and the files
// that held no rules.
type Set struct {
	Rules   []Rule    `json:"rules"`
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Add appends the rules of another set.
func (s *Set) Add(other *Set) {
	if other == nil {
		return
	}
	s.Rules = append(s.Rules, other.Rules...)
	s.Skipped = append(s.Skipped, other.Skipped...)
}

// Unmapped returns the rules that map to no technique.
func (s *Set) Unmapped() []Rule {
	var out []Rule
	for _, r := range s.Rules {
		if !r.Mapped() {
			out = append(out, r)
		}
	}
	return out
}

// Counts is a summary of a set: rules per format, and enabled mappings per
// technique and kind.
type Counts struct {
	Rules     int                    `json:"rules"`
	Enabled   int                    `json:"enabled"`
	Mapped    int                    `json:"mapped"`
	ByFormat  map[string]int         `json:"byFormat"`
	ByHow     map[How]int            `json:"byHow"`
	Technique map[string]map[How]int `json:"byTechnique"`
}

// Count summarizes the set. Only enabled rules count towards the mapping
// totals.
func (s *Set) Count() Counts {
	c := Counts{ByFormat: map[string]int{}, ByHow: map[How]int{}, Technique: map[string]map[How]int{}}
	for _, r := range s.Rules {
		c.Rules++
		c.ByFormat[r.Format]++
		if !r.Enabled {
			continue
		}
		c.Enabled++
		if r.Mapped() {
			c.Mapped++
		}
		for _, m := range r.Mappings {
			c.ByHow[m.How]++
			if c.Technique[m.Technique] == nil {
				c.Technique[m.Technique] = map[How]int{}
			}
			c.Technique[m.Technique][m.How]++
		}
	}
	return c
}

// addMapping adds a mapping to the rule, keeping one mapping per technique:
// the most certain one.
func (r *Rule) addMapping(m Mapping) {
	for i, old := range r.Mappings {
		if old.Technique != m.Technique {
			continue
		}
		if m.How.Rank() < old.How.Rank() {
			r.Mappings[i] = m
		}
		return
	}
	r.Mappings = append(r.Mappings, m)
}

// explainRule sets the reason of a finished rule: why it is disabled, if
// disabled is set, and why it maps to nothing, if it does not map.
func explainRule(r *Rule, disabled string) {
	explainUnmapped(r)
	if disabled != "" {
		r.Reason = joinNotes(disabled, r.Reason)
	}
}

// sortMappings orders a rule's mappings by technique ID.
func (r *Rule) sortMappings() {
	sort.Slice(r.Mappings, func(i, j int) bool { return r.Mappings[i].Technique < r.Mappings[j].Technique })
}

// appendUnique appends s to list unless it is already there.
func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// joinIDs formats a list of IDs for a message.
func joinIDs(ids []string) string { return strings.Join(ids, ", ") }
