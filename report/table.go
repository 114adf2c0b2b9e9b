package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

func init() { writers["table"] = writeTable }

// ANSI escape sequences for the table writer.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColors = map[check.Severity]string{
	check.Critical: "\x1b[1;31m",
	check.High:     "\x1b[31m",
	check.Medium:   "\x1b[33m",
	check.Low:      "\x1b[36m",
	check.Info:     ansiDim,
}

// tableWriter builds the terminal report in a buffer, so that a failed
// write never leaves half a report behind a valid-looking summary.
type tableWriter struct {
	buf   bytes.Buffer
	scan  *Scan
	m     *matrix.Matrix
	color bool
}

// writeTable writes the report for a terminal: failing findings grouped by
// tactic and technique, then suppressed and not-evaluated outcomes, input
// problems and a summary.
func writeTable(w io.Writer, s *Scan) error {
	if err := validate(s); err != nil {
		return err
	}
	m, err := knowledgeBase(s)
	if err != nil {
		return err
	}
	t := &tableWriter{scan: s, m: m, color: s.Color}

	t.header()
	t.failures()
	t.suppressed()
	t.notEvaluated()
	t.diagnostics()
	t.suppressionNotes()
	t.summary()

	_, err = w.Write(t.buf.Bytes())
	return err
}

func (t *tableWriter) printf(format string, args ...any) {
	fmt.Fprintf(&t.buf, format, args...)
}

// paint wraps text in an ANSI sequence when colour is on.
func (t *tableWriter) paint(code, text string) string {
	if !t.color || code == "" {
		return text
	}
	return code + text + ansiReset
}

func (t *tableWriter) heading(text string) {
	t.printf("\n%s\n", t.paint(ansiBold, text))
}

func (t *tableWriter) header() {
	tool := toolInfo(t.scan, t.m)
	inputs := "no inputs"
	if len(t.scan.Inputs) > 0 {
		inputs = strings.Join(t.scan.Inputs, ", ")
	}
	t.printf("%s %s: scan of %s\n", tool.Name, tool.Version, inputs)
	if !t.scan.StartedAt.IsZero() {
		t.printf("Started %s, took %s\n", t.scan.StartedAt.UTC().Format(time.RFC3339), t.scan.Duration.Round(time.Millisecond))
	}
	t.printf("Threat Matrix for Kubernetes %s, MITRE ATT&CK Enterprise v%s\n", tool.MatrixVersion, tool.AttackVersion)
	if c := t.scan.Cluster; c != nil {
		t.printf("Cluster %s: %s\n", c.Server, clusterDescription(c))
	}
}

// clusterDescription names a cluster's version, managed service and
// admission plugins, saying "unknown" for what the scan could not see.
func clusterDescription(c *check.ClusterInfo) string {
	version, provider, plugins := c.Version, "self-managed or unknown", "admission plugins unknown"
	if version == "" {
		version = "version unknown"
	}
	switch c.Provider {
	case "aks":
		provider = "Azure Kubernetes Service (AKS)"
	case "eks":
		provider = "Amazon Elastic Kubernetes Service (EKS)"
	case "gke":
		provider = "Google Kubernetes Engine (GKE)"
	}
	if len(c.AdmissionPlugins) > 0 {
		plugins = "admission plugins " + strings.Join(c.AdmissionPlugins, ", ")
	}
	return version + ", " + provider + ", " + plugins
}

// checkGroup is the failing findings of one check under a technique.
type checkGroup struct {
	check    *check.Check
	findings []*check.Finding
}

// failures prints the failing findings by tactic, then technique, then
// check. A technique under several tactics is printed under its first
// tactic, and a check that maps to several techniques is printed in full
// under the first of them and referred to under the others.
func (t *tableWriter) failures() {
	byTechnique := t.groupFailures()
	if len(byTechnique) == 0 {
		t.heading("Findings")
		t.printf("  No failing findings.\n")
		return
	}

	printedTechniques := map[string]bool{}
	printedChecks := map[string]string{} // check ID to the technique it is printed under
	for _, tactic := range t.m.Tactics {
		var shown bool
		for _, tech := range tactic.Techniques {
			groups := byTechnique[tech.ID]
			if len(groups) == 0 || printedTechniques[tech.ID] {
				continue
			}
			if !shown {
				t.heading(tactic.Name)
				shown = true
			}
			printedTechniques[tech.ID] = true
			t.technique(tech.ID, tech.Name, otherTactics(tech, tactic), groups, printedChecks)
		}
	}

	var unknown []string
	for id := range byTechnique {
		if !printedTechniques[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return
	}
	slices.Sort(unknown)
	t.heading("Techniques not in the matrix")
	for _, id := range unknown {
		name := "(unknown technique)"
		if id == "" {
			id, name = "-", "(no technique)"
		}
		t.technique(id, name, nil, byTechnique[id], printedChecks)
	}
}

// groupFailures returns the failing findings by technique ID, each
// technique's check groups sorted by severity (most severe first) and ID.
func (t *tableWriter) groupFailures() map[string][]*checkGroup {
	checks := map[string]*check.Check{}
	for _, c := range sortedChecks(t.scan) {
		checks[c.ID] = c
	}

	byTechnique := map[string][]*checkGroup{}
	for _, f := range sortedFindings(t.scan, check.Fail) {
		techniques := f.Techniques
		if len(techniques) == 0 {
			techniques = []string{""}
		}
		for _, id := range techniques {
			byTechnique[id] = addToGroup(byTechnique[id], checks[f.Check], f)
		}
	}
	for _, groups := range byTechnique {
		slices.SortFunc(groups, func(a, b *checkGroup) int {
			if a.check.Severity != b.check.Severity {
				return int(b.check.Severity) - int(a.check.Severity)
			}
			return strings.Compare(a.check.ID, b.check.ID)
		})
	}
	return byTechnique
}

func addToGroup(groups []*checkGroup, c *check.Check, f *check.Finding) []*checkGroup {
	for _, g := range groups {
		if g.check.ID == c.ID {
			g.findings = append(g.findings, f)
			return groups
		}
	}
	return append(groups, &checkGroup{check: c, findings: []*check.Finding{f}})
}

// otherTactics returns the names of a technique's tactics other than the
// one it is printed under.
func otherTactics(tech *matrix.Technique, printedUnder *matrix.Tactic) []string {
	var out []string
	for _, tactic := range tech.Tactics {
		if tactic != printedUnder {
			out = append(out, tactic.Name)
		}
	}
	return out
}

func (t *tableWriter) technique(id, name string, also []string, groups []*checkGroup, printedChecks map[string]string) {
	failed, prevention := 0, 0
	for _, g := range groups {
		if g.check.Prevention {
			prevention += len(g.findings)
		} else {
			failed += len(g.findings)
		}
	}
	status := Exposed
	if ts, ok := t.techniqueStatus(id); ok {
		status = ts.Status
	}
	// Prevention checks report missing mitigations, which do not make a
	// technique exposed, so they are counted apart.
	counts := []string{}
	if failed > 0 || prevention == 0 {
		counts = append(counts, plural(failed, "failing finding"))
	}
	if prevention > 0 {
		counts = append(counts, plural(prevention, "missing mitigation"))
	}
	t.printf("  %s %s: %s, %s\n", t.paint(ansiBold, id), name, strings.ReplaceAll(status, "_", " "), strings.Join(counts, ", "))
	if len(also) > 0 {
		t.printf("    also under %s\n", strings.Join(also, ", "))
	}

	for _, g := range groups {
		if under, ok := printedChecks[g.check.ID]; ok {
			t.printf("    %s  %s: %s, listed under %s\n", t.severity(g.check.Severity), g.check.ID, plural(len(g.findings), "failing finding"), under)
			continue
		}
		printedChecks[g.check.ID] = id
		for _, f := range g.findings {
			t.finding(f)
		}
		if g.check.Remediation != "" {
			t.printf("      %s %s\n", t.paint(ansiDim, "Remediation:"), oneLine(g.check.Remediation))
		}
		// Every finding of a check names the same mitigations, so the
		// first finding's managed-service guidance stands for the group.
		for _, gd := range g.findings[0].Guidance {
			label := fmt.Sprintf("On %s (%s):", strings.ToUpper(gd.Service), gd.Mitigation)
			t.printf("      %s %s\n", t.paint(ansiDim, label), oneLine(strings.ReplaceAll(gd.Text, "`", "")))
		}
	}
}

func (t *tableWriter) techniqueStatus(id string) (TechniqueStatus, bool) {
	for _, ts := range t.scan.Techniques {
		if ts.ID == id {
			return ts, true
		}
	}
	return TechniqueStatus{}, false
}

// severity returns the severity in upper case, padded to a fixed width
// before it is coloured so that the columns after it line up.
func (t *tableWriter) severity(s check.Severity) string {
	return t.paint(severityColors[s], fmt.Sprintf("%-8s", strings.ToUpper(s.String())))
}

// finding prints one line: severity, check, object, field path, location,
// message and evidence.
func (t *tableWriter) finding(f *check.Finding) {
	parts := []string{t.severity(f.Severity), f.Check, objectName(f.Object)}
	if f.FieldPath != "" {
		parts = append(parts, f.FieldPath)
	}
	loc := locationText(f.Location)
	if f.Template != "" {
		loc += " (from " + f.Template + ")"
	}
	parts = append(parts, loc, oneLine(f.Message))
	if f.Evidence != "" {
		parts = append(parts, "(evidence: "+oneLine(f.Evidence)+")")
	}
	t.printf("    %s\n", strings.Join(parts, "  "))
}

func (t *tableWriter) suppressed() {
	findings := sortedFindings(t.scan, check.Suppressed)
	if len(findings) == 0 {
		return
	}
	t.heading(fmt.Sprintf("Suppressed (%d)", len(findings)))
	for _, f := range findings {
		t.finding(f)
		if s := f.Suppression; s != nil {
			note := "suppressed by " + s.Source
			if s.Expires != "" {
				note += ", expires " + s.Expires
			}
			if s.Reason != "" {
				note += ": " + oneLine(s.Reason)
			}
			t.printf("      %s\n", note)
		}
	}
}

// notEvaluated lists every check outcome that could not be evaluated, with
// its reason. These are never folded into the passes.
func (t *tableWriter) notEvaluated() {
	findings := sortedFindings(t.scan, check.NotEvaluated)
	if len(findings) == 0 {
		return
	}
	t.heading(fmt.Sprintf("Not evaluated (%d): these outcomes are unknown, not passed", len(findings)))
	for _, f := range findings {
		parts := []string{t.severity(f.Severity), f.Check}
		if isWholeCheck(f) {
			parts = append(parts, "all objects")
		} else {
			parts = append(parts, objectName(f.Object), locationText(f.Location))
		}
		reason := f.Reason
		if reason == "" {
			reason = "no reason given"
		}
		parts = append(parts, "reason: "+oneLine(reason))
		t.printf("    %s\n", strings.Join(parts, "  "))
	}
}

func (t *tableWriter) diagnostics() {
	if len(t.scan.Diagnostics) == 0 {
		return
	}
	t.heading(fmt.Sprintf("Input problems (%d)", len(t.scan.Diagnostics)))
	for _, d := range sortedDiagnostics(t.scan.Diagnostics) {
		code := severityColors[check.Medium]
		if d.Severity == SeverityError {
			code = severityColors[check.High]
		}
		t.printf("    %s  %s\n", t.paint(code, fmt.Sprintf("%-8s", strings.ToUpper(d.Severity))), diagnosticText(d))
	}
}

func (t *tableWriter) suppressionNotes() {
	if len(t.scan.Suppressions) == 0 {
		return
	}
	t.heading(fmt.Sprintf("Suppression problems (%d)", len(t.scan.Suppressions)))
	for _, n := range sortedSuppressionNotes(t.scan.Suppressions) {
		t.printf("    %s\n", suppressionNoteText(n))
	}
}

func (t *tableWriter) summary() {
	sum := Summarize(t.scan)
	t.heading("Summary")
	t.printf("  Checks:       %d ran\n", sum.Checks)
	t.printf("  Outcomes:     %d failed, %d passed, %d not evaluated, %d not applicable, %d suppressed\n",
		sum.Status.Fail, sum.Status.Pass, sum.Status.NotEvaluated, sum.Status.NotApplicable, sum.Status.Suppressed)

	var bySeverity []string
	for _, sev := range severities {
		text := fmt.Sprintf("%d %s", sum.Failed.Of(sev), sev)
		if sum.Failed.Of(sev) > 0 {
			text = t.paint(severityColors[sev], text)
		}
		bySeverity = append(bySeverity, text)
	}
	t.printf("  Failed:       %s\n", strings.Join(bySeverity, ", "))
	t.printf("  Techniques:   %d exposed, %d not observed, %d not assessable, %d not evaluated\n",
		sum.Techniques.Exposed, sum.Techniques.NotObserved, sum.Techniques.NotAssessable, sum.Techniques.NotEvaluated)
	t.printf("  Skipped:      %s\n", skippedText(t.scan.Skipped))
	t.printf("  Input:        %s, %s\n", plural(sum.Diagnostics.Errors, "error"), plural(sum.Diagnostics.Warnings, "warning"))
	if sum.Suppressions > 0 {
		t.printf("  Suppressions: %s\n", plural(sum.Suppressions, "problem"))
	}
}

// skippedText formats the skipped-document counts: "3 documents (empty
// document: 1, not a Kubernetes object: 2)".
func skippedText(skipped map[string]int) string {
	total := 0
	var reasons []string
	for _, reason := range sortedKeys(skipped) {
		total += skipped[reason]
		reasons = append(reasons, fmt.Sprintf("%s: %d", reason, skipped[reason]))
	}
	if total == 0 {
		return "0 documents"
	}
	return plural(total, "document") + " (" + strings.Join(reasons, ", ") + ")"
}

// plural formats a count and a noun, adding "s" unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
