package report

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/source"
)

// stdinNames are the file names that inputs read from standard input carry.
// They name no file that a viewer could open.
var stdinNames = map[string]bool{"-": true, "<stdin>": true}

// hasFile reports whether a location names a file that a viewer can open.
func hasFile(l source.Location) bool {
	return l.File != "" && !stdinNames[l.File]
}

// knowledgeBase returns the scan's matrix, loading the embedded one when
// the caller left it out.
func knowledgeBase(s *Scan) (*matrix.Matrix, error) {
	if s.Matrix != nil {
		return s.Matrix, nil
	}
	m, err := matrix.Default()
	if err != nil {
		return nil, fmt.Errorf("loading the embedded matrix for the report: %w", err)
	}
	return m, nil
}

// validate rejects a scan that no writer can report on.
func validate(s *Scan) error {
	if s == nil || s.Result == nil {
		return fmt.Errorf("report: the scan has no result")
	}
	return nil
}

// sortedChecks returns the checks that ran, by ID. Checks that appear only
// in findings or stats are added with what the findings tell about them, so
// that no finding refers to a check missing from the report.
func sortedChecks(s *Scan) []*check.Check {
	byID := map[string]*check.Check{}
	for _, c := range s.Result.Checks {
		if c != nil {
			byID[c.ID] = c
		}
	}
	for _, f := range s.Result.Findings {
		if _, ok := byID[f.Check]; !ok {
			byID[f.Check] = &check.Check{ID: f.Check, Title: f.Check, Severity: f.Severity,
				Techniques: f.Techniques, Mitigations: f.Mitigations, Remediation: f.Remediation}
		}
	}
	for id := range s.Result.Stats {
		if _, ok := byID[id]; !ok {
			byID[id] = &check.Check{ID: id, Title: id}
		}
	}
	out := make([]*check.Check, 0, len(byID))
	for _, c := range byID {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sortedFindings returns pointers to the findings with the given statuses
// (all of them when none is given), in report order.
func sortedFindings(s *Scan, statuses ...check.Status) []*check.Finding {
	var out []*check.Finding
	for i := range s.Result.Findings {
		f := &s.Result.Findings[i]
		if len(statuses) == 0 || slices.Contains(statuses, f.Status) {
			out = append(out, f)
		}
	}
	// check.Run returns the findings in this order already, so a sort is
	// needed only when a suppression has changed a status since.
	if !slices.IsSortedFunc(out, check.CompareFindings) {
		slices.SortStableFunc(out, check.CompareFindings)
	}
	return out
}

// severities lists the severities from most to least severe.
var severities = []check.Severity{check.Critical, check.High, check.Medium, check.Low, check.Info}

// objectName formats an object as "Kind namespace/name", or "Kind name" for
// an object without a namespace.
func objectName(r source.Ref) string {
	switch {
	case r.Kind == "" && r.Name == "":
		return "-"
	case r.Namespace == "":
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// locationText formats where a finding is: "file:line:col", "file",
// "cluster NAME" or "-".
func locationText(l source.Location) string {
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
	return "-"
}

// sortedKeys returns the keys of a map in increasing order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// techniqueNames returns "MS-TA9013 Privileged container" for each ID,
// or the bare ID when the matrix does not know it.
func techniqueNames(m *matrix.Matrix, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if t, ok := m.Technique(id); ok {
			out = append(out, t.ID+" "+t.Name)
			continue
		}
		out = append(out, id)
	}
	return out
}

// mitigationNames returns "MS-M9013 Restrict over permissive containers"
// for each ID, or the bare ID when the matrix does not know it.
func mitigationNames(m *matrix.Matrix, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if x, ok := m.Mitigation(id); ok {
			out = append(out, x.ID+" "+x.Name)
			continue
		}
		out = append(out, id)
	}
	return out
}

// attackRefs returns the ATT&CK techniques that the matrix techniques map
// to, without duplicates, sorted by ID.
func attackRefs(m *matrix.Matrix, techniqueIDs []string) []matrix.Ref {
	seen := map[string]bool{}
	var out []matrix.Ref
	for _, id := range techniqueIDs {
		t, ok := m.Technique(id)
		if !ok {
			continue
		}
		for _, r := range t.Attack {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// oneLine replaces line breaks and tabs with spaces, for formats where a
// value must stay on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// defaultInformationURI is the project page that SARIF names as the tool's
// home when the caller gives none.
const defaultInformationURI = "https://github.com/kubethreat/kubethreat"

// toolInfo returns the scan's tool description with the gaps filled from
// the matrix.
func toolInfo(s *Scan, m *matrix.Matrix) Tool {
	t := s.Tool
	if t.Name == "" {
		t.Name = "kubethreat"
	}
	if t.Version == "" {
		t.Version = "dev"
	}
	if t.MatrixVersion == "" {
		t.MatrixVersion = m.Version
	}
	if t.AttackVersion == "" {
		t.AttackVersion = m.AttackVersion
	}
	if t.InformationURI == "" {
		t.InformationURI = defaultInformationURI
	}
	return t
}

// isWholeCheck reports whether a finding is about a check as a whole, as
// the engine reports a check whose needed resources could not be read.
func isWholeCheck(f *check.Finding) bool {
	return f.Object.Kind == "Check" && f.Object.Name == f.Check
}

// sortedDiagnostics returns the diagnostics by file, line, column, severity
// and message.
func sortedDiagnostics(ds []Diagnostic) []Diagnostic {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return out
}

// diagnosticText formats a diagnostic as "file:line:col: message; hint".
func diagnosticText(d Diagnostic) string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(locationText(sourceLocation(d)))
		b.WriteString(": ")
	}
	b.WriteString(oneLine(d.Message))
	if d.Hint != "" {
		b.WriteString("; " + oneLine(d.Hint))
	}
	return b.String()
}

func sourceLocation(d Diagnostic) source.Location {
	return source.Location{File: d.File, Line: d.Line, Column: d.Column}
}

// sortedSuppressionNotes returns the notes by source, check, match and
// problem.
func sortedSuppressionNotes(ns []SuppressionNote) []SuppressionNote {
	out := slices.Clone(ns)
	slices.SortStableFunc(out, func(a, b SuppressionNote) int {
		return cmp.Or(
			cmp.Compare(a.Source, b.Source),
			cmp.Compare(a.Check, b.Check),
			cmp.Compare(a.Match, b.Match),
			cmp.Compare(a.Problem, b.Problem),
			cmp.Compare(a.Expires, b.Expires),
		)
	})
	return out
}

// suppressionNoteText formats a note such as "exceptions.yaml: suppression
// of pod-privileged for prod/* expired on 2025-01-31 (reason: ...)".
func suppressionNoteText(n SuppressionNote) string {
	var b strings.Builder
	b.WriteString(n.Source)
	b.WriteString(": suppression of ")
	b.WriteString(n.Check)
	if n.Match != "" {
		b.WriteString(" for ")
		b.WriteString(n.Match)
	}
	switch n.Problem {
	case SuppressionExpired:
		b.WriteString(" expired")
		if n.Expires != "" {
			b.WriteString(" on " + n.Expires)
		}
		b.WriteString("; renew or remove it")
	case SuppressionUnused:
		b.WriteString(" matched no finding; remove it")
	default:
		b.WriteString(": " + n.Problem)
	}
	if n.Reason != "" {
		b.WriteString(" (reason: " + oneLine(n.Reason) + ")")
	}
	return b.String()
}
