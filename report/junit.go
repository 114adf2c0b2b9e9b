package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

func init() { writers["junit"] = writeJUnit }

// The JUnit XML elements that CI systems read, as written by Ant and
// Maven Surefire. file and line on a testcase are not in the Ant schema,
// but several CI systems use them to link a failure to its source.
type (
	junitTestSuites struct {
		XMLName  xml.Name         `xml:"testsuites"`
		Name     string           `xml:"name,attr"`
		Tests    int              `xml:"tests,attr"`
		Failures int              `xml:"failures,attr"`
		Errors   int              `xml:"errors,attr"`
		Skipped  int              `xml:"skipped,attr"`
		Time     string           `xml:"time,attr"`
		Suites   []junitTestSuite `xml:"testsuite"`
	}
	junitTestSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitTestCase `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitTestCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",cdata"` // passed through xmlText first
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// writeJUnit writes one testsuite per check, with a testcase per finding
// and one testcase for all the objects that passed, then a testsuite for
// input problems and suppression problems when there are any. Failing
// findings are failures. Suppressed, not-evaluated and not-applicable
// ones are skipped with their reason.
func writeJUnit(w io.Writer, s *Scan) error {
	if err := validate(s); err != nil {
		return err
	}
	m, err := knowledgeBase(s)
	if err != nil {
		return err
	}

	findings := map[string][]*check.Finding{}
	for _, f := range sortedFindings(s) {
		findings[f.Check] = append(findings[f.Check], f)
	}
	timestamp := ""
	if !s.StartedAt.IsZero() {
		// The Ant schema has no time zone in the timestamp, so it is UTC.
		timestamp = s.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}

	root := junitTestSuites{Name: "kubethreat scan", Time: seconds(s.Duration)}
	for _, c := range sortedChecks(s) {
		suite := checkSuite(m, c, findings[c.ID], s.Result.Stats[c.ID])
		suite.Timestamp = timestamp
		root.add(suite)
	}
	if suite, ok := inputSuite(s); ok {
		suite.Timestamp = timestamp
		root.add(suite)
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

func (r *junitTestSuites) add(suite junitTestSuite) {
	for _, c := range suite.Cases {
		suite.Tests++
		switch {
		case c.Failure != nil:
			suite.Failures++
		case c.Error != nil:
			suite.Errors++
		case c.Skipped != nil:
			suite.Skipped++
		}
	}
	r.Tests += suite.Tests
	r.Failures += suite.Failures
	r.Errors += suite.Errors
	r.Skipped += suite.Skipped
	r.Suites = append(r.Suites, suite)
}

func checkSuite(m *matrix.Matrix, c *check.Check, findings []*check.Finding, st check.Stats) junitTestSuite {
	suite := junitTestSuite{
		Name: c.ID,
		Time: "0",
		Properties: []junitProperty{
			{Name: "title", Value: c.Title},
			{Name: "severity", Value: c.Severity.String()},
			{Name: "techniques", Value: strings.Join(techniqueNames(m, c.Techniques), "; ")},
			{Name: "mitigations", Value: strings.Join(mitigationNames(m, c.Mitigations), "; ")},
		},
	}

	passFindings := 0
	for _, f := range findings {
		if f.Status == check.Pass {
			passFindings++
		}
		suite.Cases = append(suite.Cases, findingCase(f))
	}
	// Passes are usually only counted, so one testcase stands for the
	// objects that passed without a finding of their own.
	if rest := st.Passed - passFindings; rest > 0 {
		suite.Cases = append(suite.Cases, junitTestCase{
			Name: plural(rest, "object") + " passed", ClassName: c.ID, Time: "0",
		})
	}
	return suite
}

func findingCase(f *check.Finding) junitTestCase {
	name := objectName(f.Object)
	if isWholeCheck(f) {
		name = "all objects"
	}
	if f.FieldPath != "" {
		name += " " + f.FieldPath
	}
	tc := junitTestCase{Name: name, ClassName: f.Check, Time: "0"}
	if hasFile(f.Location) {
		tc.File, tc.Line = f.Location.File, f.Location.Line
	}

	switch f.Status {
	case check.Fail:
		tc.Failure = &junitProblem{Message: f.Message, Type: f.Severity.String(), Body: xmlText(failureBody(f))}
	case check.Suppressed:
		tc.Skipped = &junitSkipped{Message: "suppressed: " + suppressionText(f.Suppression)}
	case check.NotEvaluated:
		tc.Skipped = &junitSkipped{Message: "not evaluated: " + reasonText(f.Reason)}
	case check.NotApplicable:
		tc.Skipped = &junitSkipped{Message: "not applicable: " + reasonText(f.Reason)}
	}
	return tc
}

// failureBody is the text of a failure: where it is, the evidence and the
// fix.
func failureBody(f *check.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", f.Message)
	fmt.Fprintf(&b, "Object: %s\n", objectName(f.Object))
	fmt.Fprintf(&b, "Location: %s\n", locationText(f.Location))
	if f.FieldPath != "" {
		fmt.Fprintf(&b, "Field: %s\n", f.FieldPath)
	}
	if f.Template != "" {
		fmt.Fprintf(&b, "Template: %s\n", f.Template)
	}
	if f.Evidence != "" {
		fmt.Fprintf(&b, "Evidence: %s\n", f.Evidence)
	}
	if len(f.Techniques) > 0 {
		fmt.Fprintf(&b, "Techniques: %s\n", strings.Join(f.Techniques, ", "))
	}
	if f.Remediation != "" {
		fmt.Fprintf(&b, "Remediation: %s\n", f.Remediation)
	}
	return b.String()
}

func suppressionText(s *check.Suppression) string {
	if s == nil {
		return "no suppression recorded"
	}
	text := "by " + s.Source
	if s.Expires != "" {
		text += " until " + s.Expires
	}
	if s.Reason != "" {
		text += ": " + s.Reason
	}
	return text
}

func reasonText(reason string) string {
	if reason == "" {
		return "no reason given"
	}
	return reason
}

// inputSuite reports input errors as errors, and input warnings and
// suppression problems as passing testcases with the problem in their
// output, so that they are visible without failing the build on their own.
func inputSuite(s *Scan) (junitTestSuite, bool) {
	if len(s.Diagnostics) == 0 && len(s.Suppressions) == 0 {
		return junitTestSuite{}, false
	}
	suite := junitTestSuite{Name: "kubethreat inputs", Time: "0"}
	for _, d := range sortedDiagnostics(s.Diagnostics) {
		tc := junitTestCase{Name: diagnosticName(d), ClassName: "input", Time: "0"}
		if d.File != "" && !stdinNames[d.File] {
			tc.File, tc.Line = d.File, d.Line
		}
		if d.Severity == SeverityError {
			tc.Error = &junitProblem{Message: diagnosticText(d), Type: "input"}
		} else {
			tc.SystemOut = "warning: " + diagnosticText(d)
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, n := range sortedSuppressionNotes(s.Suppressions) {
		suite.Cases = append(suite.Cases, junitTestCase{
			Name: "suppression of " + n.Check + " in " + n.Source, ClassName: "suppression", Time: "0",
			SystemOut: n.Problem + ": " + suppressionNoteText(n),
		})
	}
	return suite, true
}

func diagnosticName(d Diagnostic) string {
	if d.File == "" {
		return "input"
	}
	return locationText(sourceLocation(d))
}

// xmlText replaces the characters that XML 1.0 cannot carry with U+FFFD.
// The encoder does this for attributes and character data, but not for
// CDATA sections.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

// seconds formats a duration as seconds with millisecond precision, as
// JUnit time attributes are written.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
