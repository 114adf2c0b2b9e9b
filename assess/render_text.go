package assess

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/report"
)

// TextOptions select how the terminal report looks.
type TextOptions struct {
	Width int  // terminal width in columns; 100 when 0
	Color bool // ANSI colours, for terminals only
}

// Symbols of the terminal heat map: the first character of a cell is the
// detection level, the second the exposure.
var (
	levelSymbols = map[string]string{LevelCovered: "●", LevelPartial: "◐", LevelNone: "○"}
	levelColors  = map[string]string{LevelCovered: "32", LevelPartial: "33", LevelNone: "31"}

	exposureSymbols = map[string]string{report.Exposed: "!", report.NotEvaluated: "?", report.NotAssessable: "~", report.NotObserved: " "}
)

// minHeatColumn is the narrowest tactic column of the heat map. A terminal
// that cannot fit every tactic at this width gets the matrix in bands.
const minHeatColumn = 20

// WriteText writes the coverage report for a terminal: a summary, the
// matrix as a heat map with a legend, the techniques no ATT&CK tag can
// reach, the shared ATT&CK IDs and the mitigation plan.
func WriteText(w io.Writer, c *Coverage, opts TextOptions) error {
	if opts.Width <= 0 {
		opts.Width = 100
	}
	var b strings.Builder
	writeTextSummary(&b, c)
	writeHeatMap(&b, c, opts)
	writeLegend(&b)
	writeTextGaps(&b, c)
	writeTextPlan(&b, c)
	writeTextUnmapped(&b, c)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTextSummary(b *strings.Builder, c *Coverage) {
	fmt.Fprintf(b, "Detection coverage of the Threat Matrix for Kubernetes %s (ATT&CK %s)\n", c.MatrixVersion, c.AttackVersion)
	if c.Scanned {
		fmt.Fprintf(b, "Exposure: from the scan of %s\n", strings.Join(c.ScanInputs, ", "))
	} else {
		b.WriteString("Exposure: not evaluated (no scan result given; pass --scan FILE or paths to scan)\n")
	}
	r := c.Rules
	fmt.Fprintf(b, "Rules: %d imported, %d enabled, %d enabled and mapped", r.Rules, r.Enabled, r.Mapped)
	var hows []string
	for _, h := range detect.Hows {
		if r.ByHow[h] > 0 {
			hows = append(hows, fmt.Sprintf("%s %d", h, r.ByHow[h]))
		}
	}
	if len(hows) > 0 {
		fmt.Fprintf(b, " (mappings: %s)", strings.Join(hows, ", "))
	}
	b.WriteString("\n")
	counts := map[string]int{}
	for _, t := range c.Techniques {
		counts[t.Level]++
	}
	fmt.Fprintf(b, "Techniques: %d covered, %d partial, %d without detection\n\n",
		counts[LevelCovered], counts[LevelPartial], counts[LevelNone])
}

func writeHeatMap(b *strings.Builder, c *Coverage, opts TextOptions) {
	tactics := c.matrix.Tactics
	const sep = " │ "
	perBand := max(1, (opts.Width+3)/(minHeatColumn+3))
	perBand = min(perBand, len(tactics))
	for start := 0; start < len(tactics); start += perBand {
		band := tactics[start:min(start+perBand, len(tactics))]
		colWidth := (opts.Width - (len(band)-1)*3) / len(band)
		var header [][]cell
		rows := 0
		for _, t := range band {
			header = append(header, plainCells(wrapText(fmt.Sprintf("%s (%d)", t.Name, len(t.Techniques)), colWidth)))
			rows = max(rows, len(t.Techniques))
		}
		writeCellRow(b, header, colWidth, sep, false)
		rule := make([]string, len(band))
		for i := range rule {
			rule[i] = strings.Repeat("─", colWidth)
		}
		b.WriteString(strings.Join(rule, "─┼─") + "\n")
		for r := range rows {
			cells := make([][]cell, len(band))
			for i, t := range band {
				if r < len(t.Techniques) {
					tc, _ := c.Technique(t.Techniques[r].ID)
					cells[i] = techniqueCell(tc, colWidth)
				}
			}
			writeCellRow(b, cells, colWidth, sep, opts.Color)
		}
		b.WriteString("\n")
	}
}

// cell is one line of a table cell with the colour it is drawn in.
type cell struct {
	text  string
	color string // ANSI SGR parameters, such as "1;31"
}

func plainCells(lines []string) []cell {
	out := make([]cell, len(lines))
	for i, l := range lines {
		out[i] = cell{text: l}
	}
	return out
}

func techniqueCell(tc *TechniqueCoverage, width int) []cell {
	prefix := levelSymbols[tc.Level] + exposureSymbols[tc.Exposure] + " "
	lines := wrapText(tc.Name, width-3)
	color := levelColors[tc.Level]
	if tc.Exposure == report.Exposed {
		color = "1;" + color
	}
	out := make([]cell, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = cell{text: prefix + l, color: color}
		} else {
			out[i] = cell{text: "   " + l, color: color}
		}
	}
	return out
}

// writeCellRow writes one table row whose cells may span several lines.
// Widths are measured on the text alone, so colour codes do not shift
// the columns.
func writeCellRow(b *strings.Builder, cells [][]cell, width int, sep string, color bool) {
	lines := 1
	for _, c := range cells {
		lines = max(lines, len(c))
	}
	for l := range lines {
		var parts []string
		for _, c := range cells {
			text, code := "", ""
			if l < len(c) {
				text, code = c[l].text, c[l].color
			}
			padded := text + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(text)))
			if color && code != "" && text != "" {
				padded = "\x1b[" + code + "m" + text + "\x1b[0m" + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(text)))
			}
			parts = append(parts, padded)
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, sep), " ") + "\n")
	}
}

// wrapText breaks text into lines of at most width runes at spaces,
// cutting words longer than a line.
func wrapText(text string, width int) []string {
	width = max(width, 4)
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for utf8.RuneCountInString(word) > width {
			r := []rune(word)
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			lines = append(lines, string(r[:width]))
			word = string(r[width:])
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

func writeLegend(b *strings.Builder) {
	b.WriteString("Legend: detection ● covered (explicit, builtin, unique ATT&CK ID or attested)  ◐ partial (shared ATT&CK ID or inferred only)  ○ none\n")
	b.WriteString("        exposure  ! exposed  ? not evaluated  ~ not assessable by any check  (blank) not observed\n\n")
}

func writeTextGaps(b *strings.Builder, c *Coverage) {
	var names []string
	for _, id := range c.Unreachable {
		tc, _ := c.Technique(id)
		names = append(names, id+" "+tc.Name)
	}
	fmt.Fprintf(b, "No ATT&CK ID, so no ATT&CK-tagged rule can reach them (use explicit IDs, links or attestations): %s\n",
		strings.Join(names, ", "))
	for _, s := range c.Shared {
		fmt.Fprintf(b, "Ambiguous: %s %s maps to %s; %d enabled rule(s) tagged with it count as partial for each\n",
			s.AttackID, s.Name, strings.Join(s.Techniques, ", "), s.Rules)
	}
	b.WriteString("\n")
}

func writeTextPlan(b *strings.Builder, c *Coverage) {
	b.WriteString("Mitigation plan\n")
	fmt.Fprintf(b, "Formula: %s\n", c.Plan.Formula)
	if len(c.Plan.Steps) == 0 {
		b.WriteString("No mitigation is left to prioritize.\n")
	}
	for i, s := range c.Plan.Steps {
		fmt.Fprintf(b, "%2d. %-12s %.3f  %s [%s]", i+1, s.Mitigation, s.Priority, s.Name, s.State)
		if s.Planned != "" {
			fmt.Fprintf(b, " planned %s", s.Planned)
		}
		b.WriteString("\n")
		if len(s.Closes) > 0 {
			var ids []string
			for _, t := range s.Closes {
				ids = append(ids, fmt.Sprintf("%s %s (%s, %s)", t.ID, t.Name, t.Exposure, t.Level))
			}
			fmt.Fprintf(b, "      closes: %s\n", strings.Join(ids, "; "))
		}
	}
	if len(c.Plan.InPlace) > 0 {
		fmt.Fprintf(b, "In place: %s\n", strings.Join(c.Plan.InPlace, ", "))
	}
	b.WriteString("\n")
}

func writeTextUnmapped(b *strings.Builder, c *Coverage) {
	if len(c.Unmapped) == 0 {
		return
	}
	reasons := map[string]int{}
	for _, r := range c.Unmapped {
		reasons[r.Reason]++
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if reasons[keys[i]] != reasons[keys[j]] {
			return reasons[keys[i]] > reasons[keys[j]]
		}
		return keys[i] < keys[j]
	})
	fmt.Fprintf(b, "Unmapped rules: %d (see -o json for each rule)\n", len(c.Unmapped))
	for _, k := range keys {
		fmt.Fprintf(b, "  %4d  %s\n", reasons[k], k)
	}
}
