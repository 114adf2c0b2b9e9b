package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
)

func init() { writers["markdown"] = writeMarkdown }

// writeMarkdown writes a GitHub-flavoured Markdown report for a pull
// request comment: a summary, the techniques, the failing findings, and
// the outcomes that were suppressed or not evaluated.
func writeMarkdown(w io.Writer, s *Scan) error {
	if err := validate(s); err != nil {
		return err
	}
	m, err := knowledgeBase(s)
	if err != nil {
		return err
	}
	tool := toolInfo(s, m)
	sum := Summarize(s)
	var b bytes.Buffer

	mdHeader(&b, s, tool, sum)
	mdSummary(&b, s, sum)
	mdTechniques(&b, s.Techniques)
	mdFindings(&b, sortedFindings(s, check.Fail))
	mdSuppressed(&b, sortedFindings(s, check.Suppressed))
	mdNotEvaluated(&b, sortedFindings(s, check.NotEvaluated))
	mdProblems(&b, s)

	_, err = w.Write(b.Bytes())
	return err
}

func mdHeader(b *bytes.Buffer, s *Scan, tool Tool, sum Summary) {
	heading := plural(sum.Status.Fail, "failing finding")
	if sum.Diagnostics.Errors > 0 {
		// A comment that reads "0 failing findings" must not pass for a
		// clean run when some input could not be read.
		heading += ", " + plural(sum.Diagnostics.Errors, "input error")
	}
	fmt.Fprintf(b, "## kubethreat scan: %s\n\n", heading)

	var inputs []string
	for _, in := range s.Inputs {
		inputs = append(inputs, mdCode(in))
	}
	fmt.Fprintf(b, "%s %s, Threat Matrix for Kubernetes %s, MITRE ATT&CK Enterprise v%s",
		mdText(tool.Name), mdText(tool.Version), mdText(tool.MatrixVersion), mdText(tool.AttackVersion))
	if len(inputs) > 0 {
		fmt.Fprintf(b, "; inputs: %s", strings.Join(inputs, ", "))
	}
	if !s.StartedAt.IsZero() {
		fmt.Fprintf(b, "; started %s, took %s", s.StartedAt.UTC().Format(time.RFC3339), s.Duration.Round(time.Millisecond))
	}
	b.WriteString(".\n")
}

func mdSummary(b *bytes.Buffer, s *Scan, sum Summary) {
	var bySeverity []string
	for _, sev := range severities {
		if n := sum.Failed.Of(sev); n > 0 {
			bySeverity = append(bySeverity, fmt.Sprintf("%d %s", n, sev))
		}
	}
	failed := fmt.Sprint(sum.Status.Fail)
	if len(bySeverity) > 0 {
		failed += " (" + strings.Join(bySeverity, ", ") + ")"
	}

	b.WriteString("\n| Outcome | Count |\n| --- | --- |\n")
	rows := [][2]string{
		{"Checks run", fmt.Sprint(sum.Checks)},
		{"Failed", failed},
		{"Passed", fmt.Sprint(sum.Status.Pass)},
		{"Not evaluated", fmt.Sprint(sum.Status.NotEvaluated)},
		{"Not applicable", fmt.Sprint(sum.Status.NotApplicable)},
		{"Suppressed", fmt.Sprint(sum.Status.Suppressed)},
		{"Techniques", fmt.Sprintf("%d exposed, %d not observed, %d not assessable, %d not evaluated",
			sum.Techniques.Exposed, sum.Techniques.NotObserved, sum.Techniques.NotAssessable, sum.Techniques.NotEvaluated)},
		{"Documents skipped", mdText(skippedText(s.Skipped))},
		{"Input problems", fmt.Sprintf("%s, %s", plural(sum.Diagnostics.Errors, "error"), plural(sum.Diagnostics.Warnings, "warning"))},
	}
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s |\n", r[0], r[1])
	}
}

// mdTechniques lists the exposed and not-evaluated techniques in a table,
// and the others in a collapsed one, so that a long matrix does not bury
// what needs attention.
func mdTechniques(b *bytes.Buffer, ts []TechniqueStatus) {
	if len(ts) == 0 {
		return
	}
	sorted := sortedTechniques(ts)
	var urgent, rest []TechniqueStatus
	for _, t := range sorted {
		if t.Status == Exposed || t.Status == NotEvaluated {
			urgent = append(urgent, t)
		} else {
			rest = append(rest, t)
		}
	}

	b.WriteString("\n### Techniques\n\n")
	if len(urgent) == 0 {
		b.WriteString("No technique is exposed or left unevaluated.\n")
	} else {
		mdTechniqueTable(b, urgent)
	}
	if len(rest) > 0 {
		fmt.Fprintf(b, "\n<details><summary>%s not observed or not assessable</summary>\n\n", plural(len(rest), "technique"))
		mdTechniqueTable(b, rest)
		b.WriteString("\n</details>\n")
	}
}

func mdTechniqueTable(b *bytes.Buffer, ts []TechniqueStatus) {
	b.WriteString("| Technique | Tactics | Status | Failing | Checks |\n| --- | --- | --- | --- | --- |\n")
	for _, t := range ts {
		status := strings.ReplaceAll(t.Status, "_", " ")
		if t.Reason != "" {
			status += ": " + t.Reason
		}
		var checks []string
		for _, c := range t.Checks {
			checks = append(checks, mdCode(c))
		}
		fmt.Fprintf(b, "| %s %s | %s | %s | %d | %s |\n",
			mdText(t.ID), mdText(t.Name), mdText(strings.Join(t.Tactics, ", ")), mdText(status), t.Failed, strings.Join(checks, ", "))
	}
}

// mdFindings lists the failing findings, most severe first.
func mdFindings(b *bytes.Buffer, findings []*check.Finding) {
	b.WriteString("\n### Failing findings\n\n")
	if len(findings) == 0 {
		b.WriteString("No failing findings.\n")
		return
	}
	bySeverity := slices.Clone(findings)
	slices.SortStableFunc(bySeverity, func(a, b *check.Finding) int { return int(b.Severity) - int(a.Severity) })

	b.WriteString("| Severity | Check | Object | Field | Location | Message | Evidence |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, f := range bySeverity {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			f.Severity, mdCode(f.Check), mdText(objectName(f.Object)), mdCode(f.FieldPath),
			mdCode(locationText(f.Location)), mdText(f.Message), mdCode(f.Evidence))
	}
}

func mdSuppressed(b *bytes.Buffer, findings []*check.Finding) {
	if len(findings) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### Suppressed (%d)\n\n", len(findings))
	b.WriteString("| Check | Object | Location | Suppressed by | Expires | Reason |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, f := range findings {
		var source, expires, reason string
		if s := f.Suppression; s != nil {
			source, expires, reason = s.Source, s.Expires, s.Reason
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n",
			mdCode(f.Check), mdText(objectName(f.Object)), mdCode(locationText(f.Location)),
			mdCode(source), mdText(expires), mdText(reason))
	}
}

// mdNotEvaluated lists the outcomes that could not be evaluated. They are
// never folded into the passes.
func mdNotEvaluated(b *bytes.Buffer, findings []*check.Finding) {
	if len(findings) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### Not evaluated (%d)\n\nThese checks could not run, so their outcome is unknown.\n\n", len(findings))
	b.WriteString("| Check | Object | Location | Reason |\n| --- | --- | --- | --- |\n")
	for _, f := range findings {
		object := objectName(f.Object)
		if isWholeCheck(f) {
			object = "all objects"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n",
			mdCode(f.Check), mdText(object), mdCode(locationText(f.Location)), mdText(reasonText(f.Reason)))
	}
}

func mdProblems(b *bytes.Buffer, s *Scan) {
	if len(s.Diagnostics) > 0 {
		fmt.Fprintf(b, "\n### Input problems (%d)\n\n", len(s.Diagnostics))
		for _, d := range sortedDiagnostics(s.Diagnostics) {
			fmt.Fprintf(b, "- **%s** %s\n", d.Severity, mdText(diagnosticText(d)))
		}
	}
	if len(s.Suppressions) > 0 {
		fmt.Fprintf(b, "\n### Suppression problems (%d)\n\n", len(s.Suppressions))
		for _, n := range sortedSuppressionNotes(s.Suppressions) {
			fmt.Fprintf(b, "- %s\n", mdText(suppressionNoteText(n)))
		}
	}
}

// markdownEscaper backslash-escapes the characters that start Markdown or
// HTML markup or end a table cell. CommonMark allows a backslash before
// any ASCII punctuation character.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`, `&`, `\&`, `#`, `\#`,
)

// mdText makes a value safe for a table cell or a list item: one line,
// with markup characters escaped.
//
// NOTE: an "@name" in a value still becomes a mention when GitHub renders
// the comment. Values that checks copy from manifests are better shown
// with mdCode, where GitHub does not link mentions.
func mdText(s string) string {
	return markdownEscaper.Replace(oneLine(s))
}

// mdCode formats a value as an inline code span that works inside a
// table: the fence is longer than any run of backticks in the value, and
// pipes are escaped because GitHub splits table cells on them even inside
// code spans.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + strings.ReplaceAll(s, "|", `\|`) + fence
}
