package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/kubethreat/kubethreat/check"
)

func init() { writers["csv"] = writeCSV }

// csvHeader names the columns of the CSV report, one row per finding.
var csvHeader = []string{
	"check", "status", "severity", "techniques", "mitigations",
	"apiVersion", "kind", "namespace", "name", "fieldPath",
	"file", "line", "column", "cluster", "template",
	"message", "remediation", "evidence", "reason",
	"suppressionSource", "suppressionReason", "suppressionExpires",
}

// writeCSV writes every finding of every status as one row, in report
// order. Lists are joined with ";". A cell that a spreadsheet would run as
// a formula gets a leading apostrophe (see csvCell).
func writeCSV(w io.Writer, s *Scan) error {
	if err := validate(s); err != nil {
		return err
	}

	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, f := range sortedFindings(s) {
		if err := cw.Write(csvRow(f)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(f *check.Finding) []string {
	var source, reason, expires string
	if s := f.Suppression; s != nil {
		source, reason, expires = s.Source, s.Reason, s.Expires
	}
	row := []string{
		f.Check, string(f.Status), f.Severity.String(),
		strings.Join(f.Techniques, ";"), strings.Join(f.Mitigations, ";"),
		f.Object.APIVersion, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.FieldPath,
		f.Location.File, positiveInt(f.Location.Line), positiveInt(f.Location.Column), f.Location.Cluster, f.Template,
		f.Message, f.Remediation, f.Evidence, f.Reason,
		source, reason, expires,
	}
	for i, cell := range row {
		row[i] = csvCell(cell)
	}
	return row
}

func positiveInt(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// csvCell guards against formula injection: spreadsheet programs run a
// cell that starts with =, +, -, @, a tab or a carriage return as a
// formula, and manifest values reach the report unchanged. Such a cell
// gets a leading apostrophe, which spreadsheets hide and other CSV readers
// keep.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
