package assess

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

// ReasonNotInDocument is the exposure reason of a technique that a coverage
// document read by ReadJSON does not list.
const ReasonNotInDocument = "the coverage document does not list this technique"

var (
	knownExposures        = []string{report.Exposed, report.NotObserved, report.NotAssessable, report.NotEvaluated}
	knownMitigationStates = []string{MitigationInPlace, MitigationPartial, MitigationMissing, MitigationUnknown}
)

// ReadJSON reads a coverage document that WriteJSON wrote, for a reader
// that did not compute it, such as the web interface. It rejects a JSON
// value that is not an object, or a document of another kind such as a
// scan result, with a one-line error that names what the document is. It
// rejects a document that names a technique or mitigation unknown to m,
// lists a technique twice, or has an unknown exposure, mitigation state or
// mapping kind, with an error that lists every problem.
//
// What the document cannot be trusted to get right is derived again: each
// technique's name, tactics and ATT&CK IDs come from m, its coverage level
// from its detections, and the plan from PriorityFormula. A technique of m
// that the document lacks is not_evaluated. Fields that ReadJSON does not
// know are ignored.
func ReadJSON(r io.Reader, m *matrix.Matrix) (*Coverage, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the coverage document: %w", err)
	}
	kind, err := report.IdentifyDocument(data)
	if err != nil {
		return nil, fmt.Errorf("the document is %w; write a coverage document with kubethreat coverage -o json", err)
	}
	// A document of no known kind is read on, so that the validation lists
	// what a coverage document lacks.
	if kind != report.CoverageDocument && kind != report.UnknownDocument {
		return nil, fmt.Errorf("the document is %s, not a coverage document; write a coverage document with kubethreat coverage -o json", kind)
	}

	var c Coverage
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("reading the coverage document: %w", report.DescribeJSONError(err))
	}
	if err := validateCoverage(&c, m); err != nil {
		return nil, fmt.Errorf("reading the coverage document: %w", err)
	}

	c.matrix = m
	complete(&c, m)
	c.Plan = plan(&c)
	return &c, nil
}

// validateCoverage returns every problem of a decoded coverage document,
// and puts its technique and mitigation IDs in their canonical case.
func validateCoverage(c *Coverage, m *matrix.Matrix) error {
	var errs []error
	if c.MatrixVersion == "" {
		errs = append(errs, errors.New("matrixVersion is missing, so this is not a kubethreat coverage document; write one with kubethreat coverage -o json"))
	}
	if c.Techniques == nil {
		errs = append(errs, errors.New("techniques is missing"))
	}
	seen := map[string]bool{}
	for i := range c.Techniques {
		tc := &c.Techniques[i]
		at := fmt.Sprintf("techniques[%d]", i)
		if t, ok := m.Technique(tc.ID); ok {
			tc.ID = t.ID
		} else if rt, ok := m.RetiredID(tc.ID); ok {
			errs = append(errs, fmt.Errorf("%s: technique ID %s is retired; its successor is %s", at, rt.ID, rt.Successor))
		} else {
			errs = append(errs, fmt.Errorf("%s: unknown technique ID %q", at, tc.ID))
		}
		if seen[tc.ID] {
			errs = append(errs, fmt.Errorf("%s: technique %s is listed twice", at, tc.ID))
		}
		seen[tc.ID] = true
		if !slices.Contains(knownExposures, tc.Exposure) {
			errs = append(errs, fmt.Errorf("%s: invalid exposure %q; want one of %s", at, tc.Exposure, strings.Join(knownExposures, ", ")))
		}
		errs = append(errs, validateMitigations(at, tc.Mitigations, m)...)
		errs = append(errs, validateDetections(at, tc.Detections)...)
	}
	return errors.Join(errs...)
}

func validateMitigations(at string, statuses []MitigationStatus, m *matrix.Matrix) []error {
	var errs []error
	for j := range statuses {
		ms := &statuses[j]
		if x, ok := m.Mitigation(ms.ID); ok {
			ms.ID, ms.Name = x.ID, x.Name
		} else {
			errs = append(errs, fmt.Errorf("%s.mitigations[%d]: unknown mitigation ID %q", at, j, ms.ID))
		}
		if !slices.Contains(knownMitigationStates, ms.State) {
			errs = append(errs, fmt.Errorf("%s.mitigations[%d]: invalid state %q; want one of %s", at, j, ms.State, strings.Join(knownMitigationStates, ", ")))
		}
		if ms.Evidence == nil {
			ms.Evidence = []Evidence{}
		}
	}
	return errs
}

func validateDetections(at string, ds []Detection) []error {
	var errs []error
	for j, d := range ds {
		if d.Rule == "" {
			errs = append(errs, fmt.Errorf("%s.detections[%d]: rule is missing", at, j))
		}
		if d.Attested == nil && !slices.Contains(detect.Hows, d.How) {
			errs = append(errs, fmt.Errorf("%s.detections[%d]: invalid how %q; want an attestation or one of %v", at, j, d.How, detect.Hows))
		}
	}
	return errs
}

// complete fills in what ReadJSON takes from the matrix and recomputes,
// and sorts the techniques by ID for Coverage.Technique.
func complete(c *Coverage, m *matrix.Matrix) {
	listed := map[string]bool{}
	for _, tc := range c.Techniques {
		listed[tc.ID] = true
	}
	for _, t := range m.Techniques {
		if !listed[t.ID] {
			c.Techniques = append(c.Techniques, TechniqueCoverage{ID: t.ID, Exposure: report.NotEvaluated, Reason: ReasonNotInDocument})
		}
	}
	sort.Slice(c.Techniques, func(i, j int) bool { return c.Techniques[i].ID < c.Techniques[j].ID })

	c.Unreachable = nil
	for i := range c.Techniques {
		tc := &c.Techniques[i]
		t, _ := m.Technique(tc.ID)
		tc.Name, tc.Tactics, tc.Attack = t.Name, nil, nil
		for _, tac := range t.Tactics {
			tc.Tactics = append(tc.Tactics, tac.Slug)
		}
		for _, a := range t.Attack {
			tc.Attack = append(tc.Attack, a.ID)
		}
		tc.Unreachable = !t.HasAttack()
		if tc.Unreachable {
			c.Unreachable = append(c.Unreachable, tc.ID)
		}
		if tc.Mitigations == nil {
			tc.Mitigations = []MitigationStatus{}
		}
		if tc.Detections == nil {
			tc.Detections = []Detection{}
		}
		tc.Level = level(tc.Detections)
	}
	if c.Unreachable == nil {
		c.Unreachable = []string{}
	}
}
