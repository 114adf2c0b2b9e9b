package web

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

// Colourings of the overlay: by detection coverage level or by exposure.
const (
	colorByLevel    = "level"
	colorByExposure = "exposure"
)

// marker shows a coverage level, exposure or mitigation state without
// relying on colour: a symbol, a word, and a CSS class for the colour.
type marker struct {
	Value  string // the value in the coverage document, such as "covered"
	Symbol string
	Label  string
	Class  string
}

var levelMarkers = []marker{
	{assess.LevelCovered, "●", "covered", "lvl-covered"},
	{assess.LevelPartial, "◐", "partly covered", "lvl-partial"},
	{assess.LevelNone, "○", "no detection", "lvl-none"},
}

var exposureMarkers = []marker{
	{report.Exposed, "!", "exposed", "exp-exposed"},
	{report.NotEvaluated, "?", "not evaluated", "exp-not-evaluated"},
	{report.NotAssessable, "~", "not assessable", "exp-not-assessable"},
	{report.NotObserved, "✓", "not observed", "exp-not-observed"},
}

var stateMarkers = []marker{
	{assess.MitigationInPlace, "✓", "in place", "state-in-place"},
	{assess.MitigationPartial, "◐", "partial", "state-partial"},
	{assess.MitigationMissing, "✗", "missing", "state-missing"},
	{assess.MitigationUnknown, "?", "unknown", "state-unknown"},
}

// findMarker returns the marker for a value, or a neutral one for a value
// that no marker lists.
func findMarker(markers []marker, value string) marker {
	for _, m := range markers {
		if m.Value == value {
			return m
		}
	}
	return marker{Value: value, Symbol: "·", Label: value, Class: "unknown"}
}

func levelMarker(level string) marker       { return findMarker(levelMarkers, level) }
func exposureMarker(exposure string) marker { return findMarker(exposureMarkers, exposure) }
func stateMarker(state string) marker       { return findMarker(stateMarkers, state) }

// legendEntry is one line of the overlay's legend, with the number of
// techniques it applies to.
type legendEntry struct {
	marker
	Count int
}

// overlayView is the data of an assessment's matrix page.
type overlayView struct {
	A           *loadedAssessment
	Color       string // colorByLevel or colorByExposure
	Columns     []overlayColumn
	Rows        [][]*overlayCell // one slice per row, one entry per column; nil is an empty cell
	Levels      []legendEntry
	Exposures   []legendEntry
	LevelURL    string // the page coloured by level
	ExposeURL   string // the page coloured by exposure
	Detections  bool   // any detection or rule is in the assessment
	OtherMatrix bool   // computed with another matrix version than the site's
}

type overlayColumn struct {
	Tactic  *matrix.Tactic
	Count   int
	Exposed int
}

// overlayCell is one technique under one tactic, with its coverage.
type overlayCell struct {
	T        *matrix.Technique
	C        *assess.TechniqueCoverage
	URL      string
	Level    marker
	Exposure marker
}

// overlayView builds the matrix with each cell marked by coverage level
// and exposure. An empty color picks level when the assessment has
// detections and exposure otherwise, since without detections every cell
// would have the same level.
func (s *Site) overlayView(la *loadedAssessment, color string) overlayView {
	v := overlayView{
		A:           la,
		Detections:  la.hasDetections(),
		LevelURL:    assessmentURL(la.ID) + "?color=" + colorByLevel,
		ExposeURL:   assessmentURL(la.ID) + "?color=" + colorByExposure,
		OtherMatrix: la.Cov.MatrixVersion != s.m.Version,
	}
	v.Color = color
	if v.Color == "" {
		v.Color = colorByExposure
		if v.Detections {
			v.Color = colorByLevel
		}
	}

	levels, exposures := map[string]int{}, map[string]int{}
	for _, tc := range la.Cov.Techniques {
		levels[tc.Level]++
		exposures[tc.Exposure]++
	}
	for _, m := range levelMarkers {
		v.Levels = append(v.Levels, legendEntry{m, levels[m.Value]})
	}
	for _, m := range exposureMarkers {
		v.Exposures = append(v.Exposures, legendEntry{m, exposures[m.Value]})
	}

	rows := 0
	for _, tac := range s.m.Tactics {
		rows = max(rows, len(tac.Techniques))
	}
	v.Rows = make([][]*overlayCell, rows)
	for r := range v.Rows {
		v.Rows[r] = make([]*overlayCell, len(s.m.Tactics))
	}
	for c, tac := range s.m.Tactics {
		col := overlayColumn{Tactic: tac, Count: len(tac.Techniques)}
		for r, t := range tac.Techniques {
			tc, _ := la.Cov.Technique(t.ID)
			cell := &overlayCell{T: t, C: tc, URL: evidenceURL(la.ID, t.ID),
				Level: levelMarker(tc.Level), Exposure: exposureMarker(tc.Exposure)}
			if tc.Exposure == report.Exposed {
				col.Exposed++
			}
			v.Rows[r][c] = cell
		}
		v.Columns = append(v.Columns, col)
	}
	return v
}

// planView is the data of an assessment's plan page.
type planView struct {
	A       *loadedAssessment
	Formula string
	Steps   []planStepView
	InPlace []*matrix.Mitigation
	Terms   []planTerm
}

type planStepView struct {
	Rank       int
	Step       assess.PlanStep
	Mitigation *matrix.Mitigation
	State      marker
	Closes     []planTechniqueView
}

type planTechniqueView struct {
	T        assess.PlanTechnique
	URL      string
	Level    marker
	Exposure marker
}

// planTerm is one weight of the priority formula, for the table that
// explains it.
type planTerm struct {
	Term, Meaning string
	Values        []planValue
}

type planValue struct {
	Label  string
	Weight float64
}

func (s *Site) planView(la *loadedAssessment) planView {
	v := planView{A: la, Formula: assess.PriorityFormula, Terms: planTerms()}
	for i, step := range la.Cov.Plan.Steps {
		x, _ := s.m.Mitigation(step.Mitigation)
		sv := planStepView{Rank: i + 1, Step: step, Mitigation: x, State: stateMarker(step.State)}
		for _, t := range step.Closes {
			sv.Closes = append(sv.Closes, planTechniqueView{T: t, URL: evidenceURL(la.ID, t.ID),
				Level: levelMarker(t.Level), Exposure: exposureMarker(t.Exposure)})
		}
		v.Steps = append(v.Steps, sv)
	}
	for _, id := range la.Cov.Plan.InPlace {
		if x, ok := s.m.Mitigation(id); ok {
			v.InPlace = append(v.InPlace, x)
		}
	}
	return v
}

// planTerms lists the weights of assess.PriorityFormula, read from the
// functions that the plan uses, so that the page cannot disagree with it.
func planTerms() []planTerm {
	g := planTerm{Term: "G(m)", Meaning: "what is left to do of the mitigation"}
	for _, st := range stateMarkers {
		g.Values = append(g.Values, planValue{st.Label, assess.RemainingWeight(st.Value)})
	}
	e := planTerm{Term: "E(t)", Meaning: "exposure of the technique"}
	for _, m := range exposureMarkers {
		e.Values = append(e.Values, planValue{m.Label, assess.ExposureWeight(m.Value)})
	}
	d := planTerm{Term: "D(t)", Meaning: "detection coverage of the technique"}
	for _, m := range levelMarkers {
		d.Values = append(d.Values, planValue{m.Label, assess.DetectionWeight(m.Value)})
	}
	sv := planTerm{Term: "S(t)", Meaning: "highest severity of the technique's failing findings, else of its checks"}
	for sev := check.Critical; sev >= check.Info; sev-- {
		sv.Values = append(sv.Values, planValue{sev.String(), assess.SeverityWeight(sev)})
	}
	return []planTerm{g, e, d, sv}
}

// maxFindingsShown is the number of findings per list that a technique's
// evidence page shows. The page counts the ones it leaves out.
const maxFindingsShown = 200

// evidenceView is the data of one technique's evidence page.
type evidenceView struct {
	A           *loadedAssessment
	T           *matrix.Technique
	C           *assess.TechniqueCoverage
	Level       marker
	Exposure    marker
	Failing     findingList // failing findings of the checks that decide exposure
	Prevention  findingList // failing findings of other checks that name the technique
	Suppressed  findingList
	Mitigations []mitigationView
	Detections  []detectionView
	Shared      []sharedView
}

type findingList struct {
	Items   []findingView
	Omitted int
}

type findingView struct {
	F        report.Finding
	Title    string // the check's title, when the scan lists it
	Object   string
	Location string
}

type mitigationView struct {
	S          assess.MitigationStatus
	Mitigation *matrix.Mitigation
	State      marker
}

type detectionView struct {
	D         assess.Detection
	How       string // mapping kind, or "attested"
	Ambiguous bool   // the mapping could also mean other techniques
	Guess     bool   // the mapping is inferred
	Explain   string
}

// sharedView is an ATT&CK ID of the technique that other techniques share.
type sharedView struct {
	AttackID string
	Others   []*matrix.Technique
}

func (s *Site) evidenceView(la *loadedAssessment, t *matrix.Technique) evidenceView {
	tc, _ := la.Cov.Technique(t.ID)
	v := evidenceView{A: la, T: t, C: tc, Level: levelMarker(tc.Level), Exposure: exposureMarker(tc.Exposure)}

	exposing := la.exposureChecks(t.ID)
	var failing, prevention []report.Finding
	for _, f := range la.findings(t.ID, check.Fail) {
		if exposing[f.Check] {
			failing = append(failing, f)
		} else {
			prevention = append(prevention, f)
		}
	}
	v.Failing = la.findingList(failing)
	v.Prevention = la.findingList(prevention)
	v.Suppressed = la.findingList(la.findings(t.ID, check.Suppressed))

	for _, ms := range tc.Mitigations {
		x, _ := s.m.Mitigation(ms.ID)
		v.Mitigations = append(v.Mitigations, mitigationView{S: ms, Mitigation: x, State: stateMarker(ms.State)})
	}
	for _, d := range tc.Detections {
		v.Detections = append(v.Detections, s.detectionView(d, tc))
	}
	ids := make([]string, 0, len(tc.SharedWith))
	for id := range tc.SharedWith {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		sv := sharedView{AttackID: id}
		for _, other := range tc.SharedWith[id] {
			if ot, ok := s.m.Technique(other); ok {
				sv.Others = append(sv.Others, ot)
			}
		}
		v.Shared = append(v.Shared, sv)
	}
	return v
}

func (s *Site) detectionView(d assess.Detection, tc *assess.TechniqueCoverage) detectionView {
	dv := detectionView{D: d, How: string(d.How)}
	switch {
	case d.Attested != nil:
		dv.How = "attested"
		dv.Explain = "A team attested this detection."
	case d.How == detect.AttackShared:
		dv.Ambiguous = true
		others := tc.SharedWith[d.Via]
		dv.Explain = fmt.Sprintf("ATT&CK %s maps to several matrix techniques, so the rule may detect any of them", d.Via)
		if len(others) > 0 {
			dv.Explain += ", also " + strings.Join(others, ", ")
		}
		dv.Explain += "."
	case d.How == detect.Inferred:
		dv.Guess = true
		dv.Explain = "Inferred from the alert's name and documented tactics; not confirmed."
	case d.How.Strong():
		dv.Explain = "Maps to this technique alone."
	}
	return dv
}

// findingList converts findings for display, keeping the first
// maxFindingsShown.
func (la *loadedAssessment) findingList(fs []report.Finding) findingList {
	l := findingList{}
	if len(fs) > maxFindingsShown {
		l.Omitted = len(fs) - maxFindingsShown
		fs = fs[:maxFindingsShown]
	}
	for _, f := range fs {
		l.Items = append(l.Items, findingView{F: f, Title: la.checks[f.Check].Title,
			Object: objectText(f.Object), Location: locationText(f.Location)})
	}
	return l
}

// objectText returns "Kind namespace/name" or "Kind name".
func objectText(o report.ObjectRef) string {
	name := o.Name
	if o.Namespace != "" {
		name = o.Namespace + "/" + name
	}
	return strings.TrimSpace(o.Kind + " " + name)
}

// locationText returns "file:line:column", the cluster, or "".
func locationText(l report.Location) string {
	switch {
	case l.File != "" && l.Line > 0 && l.Column > 0:
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
	case l.File != "" && l.Line > 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	case l.File != "":
		return l.File
	case l.Cluster != "":
		return "cluster " + l.Cluster
	}
	return ""
}
