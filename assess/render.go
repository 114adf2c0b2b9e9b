package assess

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed templates/coverage.html
var templateFS embed.FS

var htmlTemplate = template.Must(template.New("coverage.html").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templateFS, "templates/coverage.html"))

// htmlColumn is a tactic column of the HTML heat map.
type htmlColumn struct {
	Name  string
	Cells []*TechniqueCoverage
}

// htmlCell is one technique in the HTML heat map.
type htmlCell struct {
	*TechniqueCoverage
	Title string
}

type htmlPage struct {
	C           *Coverage
	Columns     []htmlColumn
	Rows        [][]*htmlCell
	Unreachable []*TechniqueCoverage
}

// WriteHTML writes the coverage report as one self-contained HTML file: no
// script, no external load, every imported text escaped by html/template.
func WriteHTML(w io.Writer, c *Coverage) error {
	page := htmlPage{C: c}
	rows := 0
	for _, t := range c.matrix.Tactics {
		col := htmlColumn{Name: t.Name}
		for _, x := range t.Techniques {
			tc, _ := c.Technique(x.ID)
			col.Cells = append(col.Cells, tc)
		}
		rows = max(rows, len(col.Cells))
		page.Columns = append(page.Columns, col)
	}
	for r := range rows {
		row := make([]*htmlCell, len(page.Columns))
		for i, col := range page.Columns {
			if r < len(col.Cells) {
				tc := col.Cells[r]
				row[i] = &htmlCell{TechniqueCoverage: tc, Title: cellTitle(tc)}
			}
		}
		page.Rows = append(page.Rows, row)
	}
	for _, id := range c.Unreachable {
		tc, _ := c.Technique(id)
		page.Unreachable = append(page.Unreachable, tc)
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func cellTitle(tc *TechniqueCoverage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s, exposure %s", tc.ID, tc.Name, tc.Level, tc.Exposure)
	for _, d := range tc.Detections {
		fmt.Fprintf(&b, "\n%s (%s)", d.Rule, detectionHow(d))
	}
	return b.String()
}

func detectionHow(d Detection) string {
	if d.Attested != nil {
		return "attested"
	}
	return string(d.How)
}

// WriteJSON writes the coverage and plan as indented JSON.
func WriteJSON(w io.Writer, c *Coverage) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// WriteMarkdown writes the coverage summary, the heat map as a table and
// the plan as Markdown.
func WriteMarkdown(w io.Writer, c *Coverage) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Detection coverage of the Threat Matrix for Kubernetes %s\n\n", c.MatrixVersion)
	if c.Scanned {
		fmt.Fprintf(&b, "Exposure from the scan of %s.\n\n", mdEscape(strings.Join(c.ScanInputs, ", ")))
	} else {
		b.WriteString("Exposure not evaluated: no scan result was given.\n\n")
	}
	fmt.Fprintf(&b, "Rules: %d imported, %d enabled, %d enabled and mapped.\n\n", c.Rules.Rules, c.Rules.Enabled, c.Rules.Mapped)
	b.WriteString("Cells: detection ● covered, ◐ partial, ○ none; exposure ! exposed, ? not evaluated, ~ not assessable.\n\n")
	writeMarkdownMatrix(&b, c)
	b.WriteString("\n## Mitigation plan\n\n")
	fmt.Fprintf(&b, "`%s`\n\n", c.Plan.Formula)
	b.WriteString("| # | Mitigation | State | Priority | Would close |\n| --- | --- | --- | --- | --- |\n")
	for i, s := range c.Plan.Steps {
		var closes []string
		for _, t := range s.Closes {
			closes = append(closes, fmt.Sprintf("%s %s (%s, %s)", t.ID, t.Name, t.Exposure, t.Level))
		}
		fmt.Fprintf(&b, "| %d | %s %s | %s | %.3f | %s |\n", i+1, s.Mitigation, mdEscape(s.Name), s.State, s.Priority, mdEscape(strings.Join(closes, "; ")))
	}
	if len(c.Unreachable) > 0 {
		fmt.Fprintf(&b, "\nNo ATT&CK ID, so no ATT&CK-tagged rule can reach: %s.\n", strings.Join(c.Unreachable, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownMatrix(b *strings.Builder, c *Coverage) {
	tactics := c.matrix.Tactics
	rows := 0
	b.WriteString("|")
	for _, t := range tactics {
		fmt.Fprintf(b, " %s |", mdEscape(t.Name))
		rows = max(rows, len(t.Techniques))
	}
	b.WriteString("\n|" + strings.Repeat(" --- |", len(tactics)) + "\n")
	for r := range rows {
		b.WriteString("|")
		for _, t := range tactics {
			text := ""
			if r < len(t.Techniques) {
				tc, _ := c.Technique(t.Techniques[r].ID)
				text = strings.TrimSpace(levelSymbols[tc.Level]+exposureSymbols[tc.Exposure]) + " " + mdEscape(tc.Name)
			}
			fmt.Fprintf(b, " %s |", text)
		}
		b.WriteString("\n")
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}
