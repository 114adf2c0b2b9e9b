package assess

import (
	"cmp"
	"math"
	"slices"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/report"
)

// PriorityFormula is the one formula that ranks mitigations in the plan,
// printed with every plan:
//
//	priority(m) = G(m) × Σ over techniques t that m mitigates of E(t) × (1 − D(t)) × S(t)
//
// G(m), how much of m is still to do: 1 when m is missing or unknown, 0.5
// when partial, 0 when in place (an in-place mitigation leaves the plan).
//
// E(t), the exposure weight: exposed 1, not_evaluated 0.5, not_assessable
// 0.3, not_observed 0.1. A failing check is the strongest reason to act.
// Unknown is not safe, so a technique that was not evaluated still weighs
// half, and one that no check can assess a little less. A technique whose
// checks pass still counts for a little, since checks see only the
// scanned objects.
//
// D(t), the detection weight: none 0, partial 0.5 (only ambiguous or
// inferred detections), covered 0.8 (an explicit, builtin, unique or
// attested detection). Detection is capped below 1 because it notices an
// attack after the fact and prevention still pays.
//
// S(t), the severity weight of the highest severity of t's failing
// findings, or of its checks when none fails: critical 1, high 0.8, medium
// 0.6, low 0.4, info 0.2; medium when no check maps to t. Prevention checks
// do not count here.
const PriorityFormula = "priority(m) = G(m) × Σ over techniques t that m mitigates of E(t) × (1 − D(t)) × S(t); " +
	"G: missing or unknown 1, partial 0.5, in place 0; " +
	"E: exposed 1, not_evaluated 0.5, not_assessable 0.3, not_observed 0.1; " +
	"D: no detection 0, partial (ambiguous or inferred) 0.5, covered 0.8; " +
	"S: highest severity of failing findings, else of mapped checks: critical 1, high 0.8, medium 0.6, low 0.4, info 0.2"

// ExposureWeight returns E(t) of PriorityFormula.
func ExposureWeight(status string) float64 {
	switch status {
	case report.Exposed:
		return 1
	case report.NotEvaluated:
		return 0.5
	case report.NotAssessable:
		return 0.3
	case report.NotObserved:
		return 0.1
	}
	return 0.5
}

// DetectionWeight returns D(t) of PriorityFormula.
func DetectionWeight(level string) float64 {
	switch level {
	case LevelCovered:
		return 0.8
	case LevelPartial:
		return 0.5
	}
	return 0
}

// SeverityWeight returns S(t) of PriorityFormula.
func SeverityWeight(s check.Severity) float64 {
	switch s {
	case check.Critical:
		return 1
	case check.High:
		return 0.8
	case check.Medium:
		return 0.6
	case check.Low:
		return 0.4
	}
	return 0.2
}

// RemainingWeight returns G(m) of PriorityFormula.
func RemainingWeight(state string) float64 {
	switch state {
	case MitigationInPlace:
		return 0
	case MitigationPartial:
		return 0.5
	}
	return 1
}

// Plan is the prioritized list of mitigations.
type Plan struct {
	Formula string     `json:"formula"`
	Steps   []PlanStep `json:"steps"`   // priority > 0, highest first
	InPlace []string   `json:"inPlace"` // mitigations already in place
}

// PlanStep is one mitigation of the plan with what it would close.
type PlanStep struct {
	Mitigation string  `json:"mitigation"`
	Name       string  `json:"name"`
	State      string  `json:"state"`
	Planned    string  `json:"planned,omitempty"`
	Priority   float64 `json:"priority"`

	// Closes lists the techniques the mitigation acts on that are exposed
	// or not known to be safe, and not covered by a detection, with each
	// one's share of the priority, largest first.
	Closes []PlanTechnique `json:"closes"`
}

// PlanTechnique is one technique's share of a step's priority.
type PlanTechnique struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Exposure string  `json:"exposure"`
	Level    string  `json:"level"`
	Share    float64 `json:"share"` // E(t) × (1 − D(t)) × S(t)
}

// plan ranks the mitigations by PriorityFormula.
func plan(c *Coverage) Plan {
	p := Plan{Formula: PriorityFormula, Steps: []PlanStep{}, InPlace: []string{}}
	m := c.matrix
	for _, x := range m.Mitigations {
		state := MitigationUnknown
		planned := ""
		var closes []PlanTechnique
		sum := 0.0
		for _, l := range x.Techniques {
			tc, _ := c.Technique(l.Technique.ID)
			for _, ms := range tc.Mitigations {
				if ms.ID == x.ID {
					state, planned = ms.State, ms.Planned
				}
			}
			share := ExposureWeight(tc.Exposure) * (1 - DetectionWeight(tc.Level)) * SeverityWeight(tc.Severity)
			sum += share
			if tc.Level != LevelCovered && tc.Exposure != report.NotObserved {
				closes = append(closes, PlanTechnique{ID: tc.ID, Name: tc.Name, Exposure: tc.Exposure, Level: tc.Level, Share: round3(share)})
			}
		}
		if state == MitigationInPlace {
			p.InPlace = append(p.InPlace, x.ID)
			continue
		}
		priority := round3(RemainingWeight(state) * sum)
		if priority == 0 {
			continue
		}
		slices.SortStableFunc(closes, func(a, b PlanTechnique) int {
			return cmp.Or(cmp.Compare(b.Share, a.Share), cmp.Compare(a.ID, b.ID))
		})
		if closes == nil {
			closes = []PlanTechnique{}
		}
		p.Steps = append(p.Steps, PlanStep{Mitigation: x.ID, Name: x.Name, State: state, Planned: planned, Priority: priority, Closes: closes})
	}
	slices.SortStableFunc(p.Steps, func(a, b PlanStep) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority), cmp.Compare(a.Mitigation, b.Mitigation))
	})
	return p
}

// round3 rounds to three decimals, so that reports and golden files do not
// show float noise.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
