package web

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kubethreat/kubethreat/store"
)

// Sparkline geometry, in SVG user units.
const (
	sparkWidth  = 240
	sparkHeight = 48
	sparkPad    = 4 // room for the end dot and the stroke
)

// sparkline is a small line chart rendered as inline SVG. The template
// sets its geometry through SVG presentation attributes (points, cx, r),
// which the Content Security Policy's style-src does not govern, and its
// colours through classes in the site's stylesheet.
type sparkline struct {
	Label         string // the chart's subject, for the SVG's accessible name
	Width, Height int
	Points        string // the polyline's points attribute
	LastX, LastY  string
	Min, Max      int
	First, Last   int
	Single        bool // only one value: a dot and no line
}

// newSparkline scales values into the chart: x evenly by index, y from
// the minimum (bottom) to the maximum (top) of the values, or the middle
// when all values are equal.
func newSparkline(label string, values []int) sparkline {
	sp := sparkline{Label: label, Width: sparkWidth, Height: sparkHeight}
	if len(values) == 0 {
		return sp
	}
	sp.Min, sp.Max = slices.Min(values), slices.Max(values)
	sp.First, sp.Last = values[0], values[len(values)-1]
	sp.Single = len(values) == 1

	inner := float64(sparkWidth - 2*sparkPad)
	height := float64(sparkHeight - 2*sparkPad)
	var pts []string
	for i, val := range values {
		x := float64(sparkPad)
		if len(values) > 1 {
			x += inner * float64(i) / float64(len(values)-1)
		}
		y := float64(sparkPad) + height/2
		if sp.Max > sp.Min {
			y = float64(sparkPad) + height*float64(sp.Max-val)/float64(sp.Max-sp.Min)
		}
		pts = append(pts, svgNumber(x)+","+svgNumber(y))
		sp.LastX, sp.LastY = svgNumber(x), svgNumber(y)
	}
	sp.Points = strings.Join(pts, " ")
	return sp
}

// svgNumber formats a coordinate with at most two decimals.
func svgNumber(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// historyView is the data of a source's history page.
type historyView struct {
	Source  string
	Rows    []historyRow // newest first
	Exposed sparkline
	Covered sparkline
	First   store.Summary
	Last    store.Summary
}

type historyRow struct {
	S     store.Summary
	Delta string // change of the exposed count from the assessment before, such as "+2"
}

// newHistoryView builds the history page from summaries, oldest first.
func newHistoryView(source string, hist []store.Summary) historyView {
	v := historyView{Source: source, First: hist[0], Last: hist[len(hist)-1]}
	var exposed, covered []int
	for i, h := range hist {
		exposed = append(exposed, h.Counts.Exposed)
		covered = append(covered, h.Counts.Covered)
		row := historyRow{S: h}
		if i > 0 {
			row.Delta = fmt.Sprintf("%+d", h.Counts.Exposed-hist[i-1].Counts.Exposed)
		}
		v.Rows = append(v.Rows, row)
	}
	slices.Reverse(v.Rows)
	v.Exposed = newSparkline("Exposed techniques over time", exposed)
	v.Covered = newSparkline("Techniques covered by a detection over time", covered)
	return v
}
