package kbview

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/matrix"
)

// MatrixOptions select what the matrix table shows.
type MatrixOptions struct {
	IDs   bool // show technique IDs
	Width int  // terminal width in columns; 80 when 0
}

// minColumn is the narrowest tactic column the table uses. When the
// terminal cannot fit every tactic at this width, the table is printed in
// bands of as many tactics as fit, one band under another.
const minColumn = 18

// WriteMatrixTable writes the tactics as columns with their techniques as
// cells, wrapping names inside cells and splitting the columns into bands
// that fit the width.
func WriteMatrixTable(w io.Writer, tactics []*matrix.Tactic, opts MatrixOptions) error {
	width := opts.Width
	if width <= 0 {
		width = 80
	}
	const sep = " │ "
	perBand := max(1, (width+len(sep))/(minColumn+utf8.RuneCountInString(sep)))
	perBand = min(perBand, len(tactics))
	for start := 0; start < len(tactics); start += perBand {
		band := tactics[start:min(start+perBand, len(tactics))]
		colWidth := (width - (len(band)-1)*utf8.RuneCountInString(sep)) / len(band)
		if start > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if err := writeBand(w, band, colWidth, sep, opts.IDs); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, "\n* new in matrix v3")
	return err
}

func writeBand(w io.Writer, band []*matrix.Tactic, colWidth int, sep string, ids bool) error {
	header := make([][]string, len(band))
	rows := 0
	for i, t := range band {
		header[i] = wrap(fmt.Sprintf("%s (%d)", t.Name, len(t.Techniques)), colWidth)
		rows = max(rows, len(t.Techniques))
	}
	if err := writeCells(w, header, colWidth, sep); err != nil {
		return err
	}
	rule := make([]string, len(band))
	for i := range rule {
		rule[i] = strings.Repeat("─", colWidth)
	}
	if _, err := fmt.Fprintln(w, strings.Join(rule, "─┼─")); err != nil {
		return err
	}
	for r := range rows {
		cells := make([][]string, len(band))
		for i, t := range band {
			if r >= len(t.Techniques) {
				continue
			}
			tech := t.Techniques[r]
			name := tech.Name
			if tech.Since == "v3" {
				name += " *"
			}
			if ids {
				cells[i] = append([]string{tech.ID}, wrap(name, colWidth)...)
			} else {
				cells[i] = wrap(name, colWidth)
			}
		}
		if r > 0 {
			if err := writeCells(w, make([][]string, len(band)), colWidth, sep); err != nil {
				return err
			}
		}
		if err := writeCells(w, cells, colWidth, sep); err != nil {
			return err
		}
	}
	return nil
}

// writeCells writes one table row whose cells may span several lines.
func writeCells(w io.Writer, cells [][]string, colWidth int, sep string) error {
	lines := 1
	for _, c := range cells {
		lines = max(lines, len(c))
	}
	for l := range lines {
		parts := make([]string, len(cells))
		for i, c := range cells {
			text := ""
			if l < len(c) {
				text = c[l]
			}
			parts[i] = text + strings.Repeat(" ", max(0, colWidth-utf8.RuneCountInString(text)))
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(strings.Join(parts, sep), " ")); err != nil {
			return err
		}
	}
	return nil
}

// matrixCell is a technique in a tactic column, for the structured formats.
type matrixCell struct {
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
	New  bool   `json:"newInV3,omitempty" yaml:"newInV3,omitempty"`
}

type matrixColumn struct {
	Slug       string       `json:"slug" yaml:"slug"`
	Name       string       `json:"name" yaml:"name"`
	Attack     string       `json:"attack" yaml:"attack"`
	Techniques []matrixCell `json:"techniques" yaml:"techniques"`
}

func columns(tactics []*matrix.Tactic) []matrixColumn {
	out := make([]matrixColumn, 0, len(tactics))
	for _, t := range tactics {
		col := matrixColumn{Slug: t.Slug, Name: t.Name, Attack: t.Attack.ID, Techniques: []matrixCell{}}
		for _, x := range t.Techniques {
			col.Techniques = append(col.Techniques, matrixCell{ID: x.ID, Name: x.Name, New: x.Since == "v3"})
		}
		out = append(out, col)
	}
	return out
}

// WriteMatrixJSON writes the tactic columns as JSON.
func WriteMatrixJSON(w io.Writer, tactics []*matrix.Tactic) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"tactics": columns(tactics)})
}

// WriteMatrixYAML writes the tactic columns as YAML.
func WriteMatrixYAML(w io.Writer, tactics []*matrix.Tactic) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]any{"tactics": columns(tactics)}); err != nil {
		return err
	}
	return enc.Close()
}

// WriteMatrixCSV writes one row per technique placement.
func WriteMatrixCSV(w io.Writer, tactics []*matrix.Tactic) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"tactic_order", "tactic", "attack_tactic", "row", "technique_id", "technique_name"}); err != nil {
		return err
	}
	for _, t := range tactics {
		for i, x := range t.Techniques {
			if err := cw.Write([]string{strconv.Itoa(t.Order), t.Name, t.Attack.ID, strconv.Itoa(i + 1), x.ID, x.Name}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteMatrixMarkdown writes the matrix as a Markdown table with one column
// per tactic.
func WriteMatrixMarkdown(w io.Writer, tactics []*matrix.Tactic, ids bool) error {
	var b strings.Builder
	rows := 0
	b.WriteString("|")
	for _, t := range tactics {
		fmt.Fprintf(&b, " %s (%d) |", mdEscape(t.Name), len(t.Techniques))
		rows = max(rows, len(t.Techniques))
	}
	b.WriteString("\n|")
	for range tactics {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for r := range rows {
		b.WriteString("|")
		for _, t := range tactics {
			cell := ""
			if r < len(t.Techniques) {
				x := t.Techniques[r]
				cell = mdEscape(x.Name)
				if ids {
					cell = x.ID + " " + cell
				}
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
