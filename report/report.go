// Package report writes the result of a scan in the formats that people and
// tools read: a terminal table, JSON, SARIF 2.1.0, JUnit XML, Markdown and
// CSV. Every writer reads the same Scan value and orders its output so that
// the same scan always gives the same bytes.
package report

import (
	"io"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

// Scan is everything a scan report shows.
type Scan struct {
	Tool      Tool
	StartedAt time.Time
	Duration  time.Duration
	Inputs    []string // paths, "-" for stdin, or "cluster <context>"
	Result    *check.Result

	// Techniques is the per-technique summary, computed by the caller.
	Techniques []TechniqueStatus

	// Skipped counts the documents that were read but were not Kubernetes
	// objects, by reason.
	Skipped map[string]int

	Diagnostics  []Diagnostic
	Suppressions []SuppressionNote
	Matrix       *matrix.Matrix

	// Cluster describes the live cluster that was scanned: its server,
	// version, managed service and admission plugins. It is nil for
	// manifest scans.
	Cluster *check.ClusterInfo

	// Color makes the table writer use ANSI colours. Other writers ignore it.
	Color bool
}

// Tool names the program that produced a report and the knowledge-base
// versions it used.
type Tool struct {
	Name           string `json:"name"`    // "kubethreat"
	Version        string `json:"version"` // the kubethreat version
	MatrixVersion  string `json:"matrixVersion"`
	AttackVersion  string `json:"attackVersion"`
	InformationURI string `json:"informationUri,omitempty"`
}

// Technique exposure statuses in TechniqueStatus.Status.
const (
	Exposed       = "exposed"        // at least one check failed
	NotObserved   = "not_observed"   // its checks ran and passed
	NotAssessable = "not_assessable" // no automatic check exists for it
	NotEvaluated  = "not_evaluated"  // its checks could not run
)

// TechniqueStatus is the exposure of one matrix technique in a scan.
type TechniqueStatus struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics"` // tactic names, in matrix column order
	Status  string   `json:"status"`
	Checks  []string `json:"checks"` // IDs of the checks that map to it
	Failed  int      `json:"failed"` // failing findings
	Reason  string   `json:"reason,omitempty"`
}

// Diagnostic severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Diagnostic is a problem met while reading the inputs.
type Diagnostic struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"` // "error" or "warning"
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

// Suppression problems.
const (
	SuppressionExpired = "expired"
	SuppressionUnused  = "unused"
)

// SuppressionNote reports a suppression that has expired or that matched no
// finding.
type SuppressionNote struct {
	Source  string `json:"source"` // "annotation" or the exceptions file's path
	Check   string `json:"check"`
	Match   string `json:"match,omitempty"` // the objects it applies to
	Reason  string `json:"reason,omitempty"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD
	Problem string `json:"problem"`           // "expired" or "unused"
}

// Writer writes a scan report to w.
type Writer func(w io.Writer, s *Scan) error

// formats lists the output formats in the order that help text shows them.
var formats = []string{"table", "json", "sarif", "junit", "markdown", "csv"}

// writers maps a format name to its writer. Each format's file adds itself.
var writers = map[string]Writer{}

// Lookup returns the writer for an output format name.
func Lookup(format string) (Writer, bool) {
	w, ok := writers[format]
	return w, ok
}

// Formats returns the names of the output formats, "table" (the default)
// first.
func Formats() []string {
	out := make([]string, 0, len(formats))
	for _, f := range formats {
		if _, ok := writers[f]; ok {
			out = append(out, f)
		}
	}
	return out
}
