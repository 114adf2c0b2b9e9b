// Package navigator writes detection coverage as an ATT&CK Navigator layer
// (layer format 4.5) over ATT&CK Enterprise, so that the coverage of the
// Threat Matrix for Kubernetes can be viewed beside other ATT&CK layers.
package navigator

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/matrix"
)

// Versions written into every layer.
const (
	LayerVersion     = "4.5"
	NavigatorVersion = "5.1.0"
	Domain           = "enterprise-attack"
)

// DefaultBaseURL is the base of link URLs when Options.BaseURL is empty: a
// local "kubethreat serve".
const DefaultBaseURL = "http://127.0.0.1:8080"

// Scores of one matrix technique by its detection level.
const (
	ScoreCovered = 100
	ScorePartial = 50
	ScoreNone    = 0
)

// Options set the layer's name and where its links point.
type Options struct {
	Name        string // default "kubethreat detection coverage"
	Description string
	BaseURL     string // base of the kubethreat web pages; DefaultBaseURL when empty
}

// Layer is an ATT&CK Navigator layer, format 4.5.
type Layer struct {
	Name                          string       `json:"name"`
	Versions                      Versions     `json:"versions"`
	Domain                        string       `json:"domain"`
	Description                   string       `json:"description"`
	Sorting                       int          `json:"sorting"`
	Layout                        Layout       `json:"layout"`
	HideDisabled                  bool         `json:"hideDisabled"`
	Techniques                    []Technique  `json:"techniques"`
	Gradient                      Gradient     `json:"gradient"`
	LegendItems                   []LegendItem `json:"legendItems"`
	ShowTacticRowBackground       bool         `json:"showTacticRowBackground"`
	TacticRowBackground           string       `json:"tacticRowBackground"`
	SelectTechniquesAcrossTactics bool         `json:"selectTechniquesAcrossTactics"`
	SelectSubtechniquesWithParent bool         `json:"selectSubtechniquesWithParent"`
	SelectVisibleTechniques       bool         `json:"selectVisibleTechniques"`
	Metadata                      []Metadata   `json:"metadata"`
	Links                         []Link       `json:"links"`
}

// Versions names the ATT&CK, Navigator and layer format versions.
type Versions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// Layout is the Navigator's drawing options for the matrix.
type Layout struct {
	Layout                string `json:"layout"`
	AggregateFunction     string `json:"aggregateFunction"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ShowAggregateScores   bool   `json:"showAggregateScores"`
	CountUnscored         bool   `json:"countUnscored"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// Technique annotates one ATT&CK technique or sub-technique. With no
// tactic it applies under every tactic of the technique.
type Technique struct {
	TechniqueID       string     `json:"techniqueID"`
	Tactic            string     `json:"tactic,omitempty"`
	Score             *int       `json:"score,omitempty"`
	Color             string     `json:"color"`
	Comment           string     `json:"comment"`
	Enabled           bool       `json:"enabled"`
	Metadata          []Metadata `json:"metadata"`
	Links             []Link     `json:"links"`
	ShowSubtechniques bool       `json:"showSubtechniques"`
}

// Gradient maps scores to colours.
type Gradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// LegendItem is one entry of the layer's legend.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// Metadata is a name and value, or a divider.
type Metadata struct {
	Name    string `json:"name,omitempty"`
	Value   string `json:"value,omitempty"`
	Divider bool   `json:"divider,omitempty"`
}

// Link is a labelled URL.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Colours of the gradient and legend.
const (
	colorNone    = "#ff6666"
	colorPartial = "#ffe766"
	colorCovered = "#8ec843"
)

// Aggregation explains how one ATT&CK ID shared by several matrix
// techniques is scored. The layer takes the mean: the maximum would paint
// T1610 as fully covered while Sidecar injection, one of the three matrix
// techniques behind it, has no detection. The comment of every shared ID
// lists each technique's own level.
const Aggregation = "An ATT&CK technique that several matrix techniques map to scores the mean of their scores " +
	"(covered 100, partial 50, none 0); its comment lists each matrix technique's own level."

// Build builds the layer for a coverage.
func Build(c *assess.Coverage, opts Options) *Layer {
	m := c.Matrix()
	if opts.Name == "" {
		opts.Name = "kubethreat detection coverage"
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	l := &Layer{
		Name:        opts.Name,
		Versions:    Versions{Attack: attackMajor(c.AttackVersion), Navigator: NavigatorVersion, Layer: LayerVersion},
		Domain:      Domain,
		Description: description(c, opts.Description),
		Layout: Layout{Layout: "side", AggregateFunction: "average", ShowID: true, ShowName: true,
			ExpandedSubtechniques: "annotated"},
		Gradient: Gradient{Colors: []string{colorNone, colorPartial, colorCovered}, MinValue: 0, MaxValue: 100},
		LegendItems: []LegendItem{
			{Label: "covered: explicit, builtin, unique ATT&CK ID or attested detection", Color: colorCovered},
			{Label: "partial: shared ATT&CK ID or inferred detection only", Color: colorPartial},
			{Label: "no detection", Color: colorNone},
		},
		TacticRowBackground:           "#dddddd",
		SelectTechniquesAcrossTactics: true,
		SelectSubtechniquesWithParent: false,
		Metadata:                      layerMetadata(c),
		Links:                         []Link{{Label: "kubethreat matrix", URL: base + "/"}},
	}
	l.Techniques = techniques(c, m, base)
	return l
}

func attackMajor(v string) string {
	major, _, _ := strings.Cut(v, ".")
	return major
}

func description(c *assess.Coverage, extra string) string {
	d := fmt.Sprintf("Detection coverage of the Threat Matrix for Kubernetes %s, projected onto ATT&CK %s. %s",
		c.MatrixVersion, c.AttackVersion, Aggregation)
	if len(c.Unreachable) > 0 {
		d += " Techniques without an ATT&CK ID cannot appear here: " + strings.Join(c.Unreachable, ", ") + "."
	}
	if extra != "" {
		d = extra + " " + d
	}
	return d
}

func layerMetadata(c *assess.Coverage) []Metadata {
	exposure := "not evaluated (no scan)"
	if c.Scanned {
		exposure = "from the scan of " + strings.Join(c.ScanInputs, ", ")
	}
	return []Metadata{
		{Name: "generator", Value: "kubethreat"},
		{Name: "matrix", Value: "Threat Matrix for Kubernetes " + c.MatrixVersion},
		{Name: "exposure", Value: exposure},
		{Name: "rules", Value: fmt.Sprintf("%d imported, %d enabled, %d enabled and mapped", c.Rules.Rules, c.Rules.Enabled, c.Rules.Mapped)},
		{Name: "not in this layer (no ATT&CK ID)", Value: strings.Join(c.Unreachable, ", ")},
	}
}

// score returns the score of one matrix technique.
func score(level string) int {
	switch level {
	case assess.LevelCovered:
		return ScoreCovered
	case assess.LevelPartial:
		return ScorePartial
	}
	return ScoreNone
}

// techniques builds one entry per ATT&CK ID in the cross-walk, and an
// unscored entry for each parent whose sub-techniques are listed, so that
// the Navigator shows them expanded.
func techniques(c *assess.Coverage, m *matrix.Matrix, base string) []Technique {
	var out []Technique
	for _, a := range m.AttackTechniques {
		out = append(out, attackEntry(c, a, base))
	}
	parents := map[string][]string{}
	for _, a := range m.AttackTechniques {
		if parent, _, ok := strings.Cut(a.ID, "."); ok {
			parents[parent] = append(parents[parent], a.ID)
		}
	}
	for i := range out {
		if _, ok := parents[out[i].TechniqueID]; ok {
			out[i].ShowSubtechniques = true
			delete(parents, out[i].TechniqueID)
		}
	}
	for parent, subs := range parents {
		out = append(out, Technique{TechniqueID: parent, Enabled: true, ShowSubtechniques: true,
			Comment:  "No matrix technique maps to " + parent + " itself; its sub-techniques " + strings.Join(subs, ", ") + " are annotated.",
			Metadata: []Metadata{}, Links: []Link{}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TechniqueID < out[j].TechniqueID })
	return out
}

func attackEntry(c *assess.Coverage, a *matrix.AttackTechnique, base string) Technique {
	e := Technique{TechniqueID: a.ID, Enabled: true, Metadata: []Metadata{}, Links: []Link{}}
	sum := 0
	var levels []string
	for i, t := range a.Techniques {
		tc, _ := c.Technique(t.ID)
		s := score(tc.Level)
		sum += s
		levels = append(levels, fmt.Sprintf("%s %s: %s (%d)", tc.ID, tc.Name, tc.Level, s))
		if i > 0 {
			e.Metadata = append(e.Metadata, Metadata{Divider: true})
		}
		e.Metadata = append(e.Metadata, Metadata{Name: tc.ID + " " + tc.Name, Value: techniqueSummary(tc)})
		e.Links = append(e.Links, Link{Label: tc.ID + " " + tc.Name + " in kubethreat", URL: base + "/techniques/" + tc.ID})
	}
	mean := int(math.Round(float64(sum) / float64(len(a.Techniques))))
	e.Score = &mean
	if len(a.Techniques) == 1 {
		e.Comment = levels[0] + "."
	} else {
		e.Comment = fmt.Sprintf("%s is shared by %d matrix techniques; score = mean %d of %s.",
			a.ID, len(a.Techniques), mean, strings.Join(levels, "; "))
	}
	return e
}

// techniqueSummary is the metadata value of one matrix technique.
func techniqueSummary(tc *assess.TechniqueCoverage) string {
	byHow := map[string]int{}
	var kinds []string
	for _, d := range tc.Detections {
		k := string(d.How)
		if d.Attested != nil {
			k = "attested"
		}
		if byHow[k] == 0 {
			kinds = append(kinds, k)
		}
		byHow[k]++
	}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, byHow[k]))
	}
	inPlace := 0
	for _, ms := range tc.Mitigations {
		if ms.State == assess.MitigationInPlace {
			inPlace++
		}
	}
	s := fmt.Sprintf("%s; exposure %s; %d detection(s)", tc.Level, tc.Exposure, len(tc.Detections))
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf("; mitigations in place %d of %d", inPlace, len(tc.Mitigations))
}

// Write writes the layer for a coverage as indented JSON.
func Write(w io.Writer, c *assess.Coverage, opts Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Build(c, opts))
}
