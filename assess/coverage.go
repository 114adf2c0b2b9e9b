package assess

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

// Detection coverage levels of a technique. The level counts enabled
// detections only:
//
//   - covered: at least one detection maps to the technique without
//     ambiguity or guessing (explicit, builtin, attack-unique) or is
//     attested;
//   - partial: detections map to it only through an ATT&CK ID shared with
//     other techniques (attack-shared) or by inference (the Defender
//     profile);
//   - none: no enabled detection maps to it.
const (
	LevelCovered = "covered"
	LevelPartial = "partial"
	LevelNone    = "none"
)

// Mitigation states, from checks and attestations:
//
//   - in_place: every check mapped to the mitigation passed on every object
//     it evaluated, or a team attested it in place (unless checks fail);
//   - partial: its checks pass on some objects and fail on others, a team
//     attested it partial, or a team attested it in place while a check
//     fails;
//   - missing: its checks fail and none passes, or a team attested it only
//     planned;
//   - unknown: no check maps to it and no team attested it, or its checks
//     did not run.
const (
	MitigationInPlace = "in_place"
	MitigationPartial = "partial"
	MitigationMissing = "missing"
	MitigationUnknown = "unknown"
)

// Input is the data coverage is computed from. Only Matrix is required.
type Input struct {
	Matrix *matrix.Matrix

	// Scan is a scan result. Without it every technique's exposure is
	// not_evaluated and every mitigation without an attestation unknown.
	Scan *report.ScanDocument

	Rules        *detect.Set
	Attestations *Attestations

	// Checks lists every check that exists, for the severity of techniques
	// that no failing finding rates. Nil leaves those at the default.
	Checks []*check.Check
}

// Evidence is one fact behind a mitigation's state.
type Evidence struct {
	Kind   string `json:"kind"`   // "check" or "attestation"
	Ref    string `json:"ref"`    // check ID, or file:line of the attestation
	Detail string `json:"detail"` // such as "passed 12, failed 3"
}

// MitigationStatus is the state of one mitigation, with its evidence.
type MitigationStatus struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	State    string     `json:"state"`
	Planned  string     `json:"planned,omitempty"` // owner and date of a planned attestation
	Evidence []Evidence `json:"evidence"`
}

// Detection is one enabled rule or attested detection mapped to a
// technique.
type Detection struct {
	Rule     string     `json:"rule"`
	Format   string     `json:"format"` // rule format, or "attestation"
	Location string     `json:"location"`
	How      detect.How `json:"how,omitempty"` // empty for an attestation
	Via      string     `json:"via,omitempty"`
	Note     string     `json:"note,omitempty"`
	Attested *Attester  `json:"attested,omitempty"`
}

// Attester names who attested a detection and when.
type Attester struct {
	Owner string `json:"owner,omitempty"`
	Date  string `json:"date,omitempty"`
}

// TechniqueCoverage is the coverage of one technique.
type TechniqueCoverage struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Tactics  []string `json:"tactics"` // tactic slugs in matrix order
	Attack   []string `json:"attack"`  // ATT&CK IDs
	Exposure string   `json:"exposure"`
	Reason   string   `json:"exposureReason,omitempty"`
	Failed   int      `json:"failedFindings"`

	// Severity is the highest severity of the technique's failing
	// findings, or of its checks when none fails.
	Severity check.Severity `json:"severity"`

	Mitigations []MitigationStatus `json:"mitigations"`
	Detections  []Detection        `json:"detections"`
	Disabled    int                `json:"disabledDetections"`
	Level       string             `json:"level"`

	// Unreachable is set for techniques without an ATT&CK ID, which no
	// ATT&CK-tagged rule can reach.
	Unreachable bool `json:"unreachableByAttack,omitempty"`

	// SharedWith lists, per ATT&CK ID of the technique that other
	// techniques share, those other techniques.
	SharedWith map[string][]string `json:"sharedWith,omitempty"`
}

// SharedAttack is an ATT&CK ID that several matrix techniques map to.
type SharedAttack struct {
	AttackID   string   `json:"attackId"`
	Name       string   `json:"name"`
	Techniques []string `json:"techniques"`
	Rules      int      `json:"rules"` // enabled rules tagged with it
}

// Coverage is per-technique coverage and the mitigation plan.
type Coverage struct {
	MatrixVersion string              `json:"matrixVersion"`
	AttackVersion string              `json:"attackVersion"`
	ScanInputs    []string            `json:"scanInputs,omitempty"`
	Scanned       bool                `json:"scanned"`
	Techniques    []TechniqueCoverage `json:"techniques"` // by ID
	Unreachable   []string            `json:"unreachableByAttack"`
	Shared        []SharedAttack      `json:"sharedAttackIds"`
	Rules         detect.Counts       `json:"rules"`
	Unmapped      []detect.Rule       `json:"unmappedRules"`
	Plan          Plan                `json:"plan"`

	matrix *matrix.Matrix
}

// Matrix returns the knowledge base the coverage was computed with.
func (c *Coverage) Matrix() *matrix.Matrix { return c.matrix }

// Technique returns the coverage of a technique by ID.
func (c *Coverage) Technique(id string) (*TechniqueCoverage, bool) {
	i := sort.Search(len(c.Techniques), func(i int) bool { return c.Techniques[i].ID >= id })
	if i < len(c.Techniques) && c.Techniques[i].ID == id {
		return &c.Techniques[i], true
	}
	return nil, false
}

// Compute combines exposure, mitigations, detections and attestations into
// per-technique coverage and the mitigation plan.
func Compute(in Input) *Coverage {
	m := in.Matrix
	c := &Coverage{MatrixVersion: m.Version, AttackVersion: m.AttackVersion, matrix: m, Scanned: in.Scan != nil}
	if in.Scan != nil {
		c.ScanInputs = in.Scan.Inputs
	}
	rules := in.Rules
	if rules == nil {
		rules = &detect.Set{}
	}
	c.Rules = rules.Count()
	c.Unmapped = rules.Unmapped()

	exposure := exposureByTechnique(in.Scan)
	mitigations := mitigationStates(m, in.Scan, in.Attestations)
	detections := detectionsByTechnique(rules, in.Attestations)
	severities := techniqueSeverities(in.Scan, in.Checks)

	for _, t := range m.Techniques {
		tc := TechniqueCoverage{ID: t.ID, Name: t.Name, Exposure: report.NotEvaluated,
			Reason: "no scan result given", Severity: check.Medium, Unreachable: !t.HasAttack()}
		for _, tac := range t.Tactics {
			tc.Tactics = append(tc.Tactics, tac.Slug)
		}
		for _, a := range t.Attack {
			tc.Attack = append(tc.Attack, a.ID)
		}
		if st, ok := exposure[t.ID]; ok {
			tc.Exposure, tc.Reason, tc.Failed = st.Status, st.Reason, st.Failed
		}
		if sev, ok := severities[t.ID]; ok {
			tc.Severity = sev
		}
		for _, l := range t.Mitigations {
			tc.Mitigations = append(tc.Mitigations, mitigations[l.Mitigation.ID])
		}
		if d, ok := detections[t.ID]; ok {
			tc.Detections, tc.Disabled = d.enabled, d.disabled
		}
		if tc.Detections == nil {
			tc.Detections = []Detection{}
		}
		tc.Level = level(tc.Detections)
		c.Techniques = append(c.Techniques, tc)
		if tc.Unreachable {
			c.Unreachable = append(c.Unreachable, t.ID)
		}
	}
	c.Shared = sharedAttackIDs(m, rules)
	for _, s := range c.Shared {
		for _, id := range s.Techniques {
			tc, _ := c.Technique(id)
			if tc.SharedWith == nil {
				tc.SharedWith = map[string][]string{}
			}
			for _, other := range s.Techniques {
				if other != id {
					tc.SharedWith[s.AttackID] = append(tc.SharedWith[s.AttackID], other)
				}
			}
		}
	}
	c.Plan = plan(c)
	return c
}

// level computes a technique's coverage level from its detections.
func level(ds []Detection) string {
	lvl := LevelNone
	for _, d := range ds {
		if d.Attested != nil || d.How.Strong() {
			return LevelCovered
		}
		lvl = LevelPartial
	}
	return lvl
}

func exposureByTechnique(scan *report.ScanDocument) map[string]report.TechniqueStatus {
	out := map[string]report.TechniqueStatus{}
	if scan == nil {
		return out
	}
	for _, ts := range scan.Techniques {
		out[ts.ID] = ts
	}
	return out
}

// techniqueSeverities returns, per technique, the highest severity of its
// failing findings, or, where none fails, of the checks mapped to it.
// Prevention checks are left out, as they are from exposure: they say
// whether a mitigation is in place, not how bad an exposure is.
func techniqueSeverities(scan *report.ScanDocument, checks []*check.Check) map[string]check.Severity {
	out := map[string]check.Severity{}
	raise := func(m map[string]check.Severity, id string, s check.Severity) {
		if old, ok := m[id]; !ok || s > old {
			m[id] = s
		}
	}
	prevention := map[string]bool{}
	for _, c := range checks {
		if c.Prevention {
			prevention[c.ID] = true
			continue
		}
		for _, id := range c.Techniques {
			raise(out, id, c.Severity)
		}
	}
	if scan == nil {
		return out
	}
	failing := map[string]check.Severity{}
	for _, f := range scan.Findings {
		if f.Status != check.Fail || prevention[f.Check] {
			continue
		}
		for _, id := range f.Techniques {
			raise(failing, id, f.Severity)
		}
	}
	for id, s := range failing {
		out[id] = s
	}
	return out
}

type techniqueDetections struct {
	enabled  []Detection
	disabled int
}

func detectionsByTechnique(rules *detect.Set, att *Attestations) map[string]*techniqueDetections {
	out := map[string]*techniqueDetections{}
	get := func(id string) *techniqueDetections {
		if out[id] == nil {
			out[id] = &techniqueDetections{}
		}
		return out[id]
	}
	for _, r := range rules.Rules {
		for _, mp := range r.Mappings {
			td := get(mp.Technique)
			if !r.Enabled {
				td.disabled++
				continue
			}
			td.enabled = append(td.enabled, Detection{Rule: r.Name, Format: r.Format, Location: r.Location(),
				How: mp.How, Via: mp.Via, Note: mp.Note})
		}
	}
	if att != nil {
		for _, a := range att.Detections {
			td := get(a.Technique)
			td.enabled = append(td.enabled, Detection{Rule: a.Name, Format: "attestation", Location: a.Source,
				Note: a.Note, Attested: &Attester{Owner: a.Owner, Date: a.Date}})
		}
	}
	for _, td := range out {
		sort.SliceStable(td.enabled, func(i, j int) bool {
			return detectionRank(td.enabled[i]) < detectionRank(td.enabled[j])
		})
	}
	return out
}

// detectionRank orders detections from the most certain: attested ones
// with explicit ones, then by mapping kind.
func detectionRank(d Detection) int {
	if d.Attested != nil {
		return 0
	}
	return d.How.Rank()
}

// sharedAttackIDs lists the ATT&CK IDs that several techniques map to, with
// the number of enabled rules that name each.
func sharedAttackIDs(m *matrix.Matrix, rules *detect.Set) []SharedAttack {
	var out []SharedAttack
	for _, a := range m.AttackTechniques {
		if len(a.Techniques) < 2 {
			continue
		}
		s := SharedAttack{AttackID: a.ID, Name: a.Name}
		for _, t := range a.Techniques {
			s.Techniques = append(s.Techniques, t.ID)
		}
		sort.Strings(s.Techniques)
		for _, r := range rules.Rules {
			if r.Enabled && namesAttack(r.AttackIDs, a.ID) {
				s.Rules++
			}
		}
		out = append(out, s)
	}
	return out
}

// namesAttack reports whether ids holds id, or a sub-technique of id that
// the cross-walk resolves through it.
func namesAttack(ids []string, id string) bool {
	for _, x := range ids {
		if x == id || strings.HasPrefix(x, id+".") {
			return true
		}
	}
	return false
}

// mitigationStates returns the state of every mitigation.
func mitigationStates(m *matrix.Matrix, scan *report.ScanDocument, att *Attestations) map[string]MitigationStatus {
	out := map[string]MitigationStatus{}
	checks := checksByMitigation(scan)
	attested := map[string]MitigationAttestation{}
	if att != nil {
		for _, a := range att.Mitigations {
			attested[a.ID] = a
		}
	}
	for _, x := range m.Mitigations {
		ms := MitigationStatus{ID: x.ID, Name: x.Name, Evidence: []Evidence{}}
		passed, failed := 0, 0
		for _, ci := range checks[x.ID] {
			passed += ci.Stats.Passed
			failed += ci.Stats.Failed
			ms.Evidence = append(ms.Evidence, Evidence{Kind: "check", Ref: ci.ID,
				Detail: fmt.Sprintf("passed %d, failed %d", ci.Stats.Passed, ci.Stats.Failed)})
		}
		ms.State = stateFromChecks(passed, failed)
		if a, ok := attested[x.ID]; ok {
			applyAttestation(&ms, a, failed)
		}
		out[x.ID] = ms
	}
	return out
}

// checksByMitigation returns the checks that ran in the scan, per
// mitigation they map to.
func checksByMitigation(scan *report.ScanDocument) map[string][]report.CheckInfo {
	out := map[string][]report.CheckInfo{}
	if scan == nil {
		return out
	}
	for _, ci := range scan.Checks {
		for _, id := range ci.Mitigations {
			out[id] = append(out[id], ci)
		}
	}
	return out
}

func stateFromChecks(passed, failed int) string {
	switch {
	case failed > 0 && passed > 0:
		return MitigationPartial
	case failed > 0:
		return MitigationMissing
	case passed > 0:
		return MitigationInPlace
	}
	return MitigationUnknown
}

// applyAttestation combines a team's attestation with what the checks
// found. A failing check outweighs a claim that the mitigation is fully in
// place, so that claim becomes partial.
func applyAttestation(ms *MitigationStatus, a MitigationAttestation, failed int) {
	detail := a.Status
	if a.Owner != "" {
		detail += " by " + a.Owner
	}
	if a.Date != "" {
		detail += " on " + a.Date
	}
	if a.Note != "" {
		detail += ": " + a.Note
	}
	ms.Evidence = append(ms.Evidence, Evidence{Kind: "attestation", Ref: a.Source, Detail: detail})
	switch a.Status {
	case AttestInPlace:
		ms.State = MitigationInPlace
		if failed > 0 {
			ms.State = MitigationPartial
			ms.Evidence = append(ms.Evidence, Evidence{Kind: "attestation", Ref: a.Source,
				Detail: fmt.Sprintf("attested in place, but its checks failed %d time(s)", failed)})
		}
	case AttestPartial:
		ms.State = MitigationPartial
	case AttestPlanned:
		if ms.State == MitigationUnknown {
			ms.State = MitigationMissing
		}
		ms.Planned = strings.TrimSpace(strings.TrimPrefix(detail, AttestPlanned))
	}
}
