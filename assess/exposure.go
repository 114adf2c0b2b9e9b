// Package assess turns the findings of a scan into per-technique
// coverage of the matrix.
package assess

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

// ReasonNoCheck is the reason given for a technique that no check maps to.
const ReasonNoCheck = "no automatic check exists for this technique"

// Exposure returns the exposure of every technique of the matrix, in ID
// order, from the result of a scan. checks lists every check that exists,
// whether or not it ran; res.Checks lists the ones that ran. A technique is
//
//   - exposed when a check mapped to it has an unsuppressed failing finding;
//   - not_observed when its checks that ran evaluated at least one object
//     and none failed, suppressed failures included;
//   - not_evaluated when none of its checks ran or none evaluated an
//     object, with the reason;
//   - not_assessable when no check maps to it at all.
//
// Prevention checks, which report whether a mitigation such as an admission
// policy is in place, are left out: a missing mitigation is not by itself an
// exposure.
func Exposure(m *matrix.Matrix, res *check.Result, checks []*check.Check) []report.TechniqueStatus {
	byTechnique := map[string][]string{}
	for _, c := range checks {
		if c.Prevention {
			continue
		}
		for _, id := range c.Techniques {
			byTechnique[id] = append(byTechnique[id], c.ID)
		}
	}
	ran := map[string]bool{}
	for _, c := range res.Checks {
		ran[c.ID] = true
	}
	notEvaluated := notEvaluatedReasons(res)

	out := make([]report.TechniqueStatus, 0, len(m.Techniques))
	for _, t := range m.Techniques {
		ids := byTechnique[t.ID]
		sort.Strings(ids)
		ts := report.TechniqueStatus{ID: t.ID, Name: t.Name, Tactics: tacticNames(t), Checks: ids}
		if ts.Checks == nil {
			ts.Checks = []string{}
		}
		classify(&ts, res, ran, notEvaluated)
		out = append(out, ts)
	}
	return out
}

// classify sets the status, failure count and reason of one technique
// from the stats of its checks.
func classify(ts *report.TechniqueStatus, res *check.Result, ran map[string]bool, notEvaluated map[string][]string) {
	if len(ts.Checks) == 0 {
		ts.Status, ts.Reason = report.NotAssessable, ReasonNoCheck
		return
	}

	var selected []string
	evaluated, suppressed := 0, 0
	for _, id := range ts.Checks {
		if !ran[id] {
			continue
		}
		selected = append(selected, id)
		st := res.Stats[id]
		ts.Failed += st.Failed
		evaluated += st.Evaluated
		suppressed += st.Suppressed
	}

	switch {
	case len(selected) == 0:
		ts.Status = report.NotEvaluated
		ts.Reason = "none of its checks ran in this scan: " + strings.Join(ts.Checks, ", ")
	case ts.Failed > 0:
		ts.Status = report.Exposed
	case evaluated > 0:
		ts.Status = report.NotObserved
		if suppressed > 0 {
			ts.Reason = fmt.Sprintf("%d failing finding(s) suppressed", suppressed)
		}
	default:
		ts.Status = report.NotEvaluated
		ts.Reason = notEvaluatedReason(selected, notEvaluated)
	}
}

// notEvaluatedReasons collects, per check, the distinct reasons of its
// not-evaluated findings, in first-seen order.
func notEvaluatedReasons(res *check.Result) map[string][]string {
	out := map[string][]string{}
	for _, f := range res.Findings {
		if f.Status != check.NotEvaluated || f.Reason == "" {
			continue
		}
		dup := false
		for _, r := range out[f.Check] {
			dup = dup || r == f.Reason
		}
		if !dup {
			out[f.Check] = append(out[f.Check], f.Reason)
		}
	}
	return out
}

func notEvaluatedReason(selected []string, notEvaluated map[string][]string) string {
	var parts []string
	seen := map[string]bool{}
	for _, id := range selected {
		for _, r := range notEvaluated[id] {
			if !seen[r] {
				seen[r] = true
				parts = append(parts, r)
			}
		}
	}
	if len(parts) == 0 {
		return "the input has no object that its checks apply to"
	}
	return strings.Join(parts, "; ")
}

func tacticNames(t *matrix.Technique) []string {
	out := make([]string, len(t.Tactics))
	for i, tac := range t.Tactics {
		out[i] = tac.Name
	}
	return out
}
