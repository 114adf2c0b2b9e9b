package detect

import (
	"bytes"
	"errors"
	"strings"

	"github.com/BurntSushi/toml"
)

// Elastic detection rules are TOML files with a [rule] table. Each
// [[rule.threat]] block whose framework is "MITRE ATT&CK" lists techniques
// in [[rule.threat.technique]] and sub-techniques in
// [[rule.threat.technique.subtechnique]]; a block that lists only a tactic
// names no technique. A rule with "enabled = false", or whose metadata
// maturity is "deprecated", is imported as disabled. References to the
// matrix site map explicitly, as in Sigma.

type elasticFile struct {
	Metadata struct {
		Maturity string `toml:"maturity"`
	} `toml:"metadata"`
	Rule *struct {
		Name              string          `toml:"name"`
		RuleID            string          `toml:"rule_id"`
		Enabled           *bool           `toml:"enabled"`
		Tags              []string        `toml:"tags"`
		References        []string        `toml:"references"`
		BuildingBlockType string          `toml:"building_block_type"`
		Threat            []elasticThreat `toml:"threat"`
	} `toml:"rule"`
}

type elasticThreat struct {
	Framework string `toml:"framework"`
	Tactic    struct {
		ID   string `toml:"id"`
		Name string `toml:"name"`
	} `toml:"tactic"`
	Technique []struct {
		ID           string `toml:"id"`
		Subtechnique []struct {
			ID string `toml:"id"`
		} `toml:"subtechnique"`
	} `toml:"technique"`
}

// importTOML imports an Elastic rule file, or skips a TOML file without a
// [rule] table.
func (st *importState) importTOML(file string, data []byte) {
	var f elasticFile
	if _, err := toml.Decode(string(data), &f); err != nil {
		line := 0
		var perr toml.ParseError
		if errors.As(err, &perr) {
			line = perr.Position.Line
		}
		st.errorf(file, line, "invalid TOML: %v", err)
		return
	}
	if f.Rule == nil {
		st.skip(file, "TOML file without a [rule] table")
		return
	}

	rule := f.Rule
	r := Rule{Source: file, Line: tableLine(data, "[rule]"), Format: FormatElastic, Name: rule.Name, Enabled: true, Tags: rule.Tags}
	if r.Name == "" {
		st.warnf(file, r.Line, "Elastic rule has no name")
		r.Name = rule.RuleID
	}
	disabled := ""
	switch {
	case rule.Enabled != nil && !*rule.Enabled:
		r.Enabled = false
		disabled = "disabled (enabled = false)"
	case f.Metadata.Maturity == "deprecated":
		r.Enabled = false
		disabled = "disabled (maturity: deprecated)"
	}

	st.mapElasticThreats(&r, rule.Threat)
	for _, ref := range rule.References {
		st.mapper.mapLink(&r, ref)
	}
	explainRule(&r, disabled)
	st.addRule(r)
}

func (st *importState) mapElasticThreats(r *Rule, threats []elasticThreat) {
	mp := st.mapper
	for _, th := range threats {
		if !strings.EqualFold(strings.TrimSpace(th.Framework), "MITRE ATT&CK") {
			continue
		}
		if slug, ok := mp.tacticTag(th.Tactic.ID); ok {
			r.Tactics = appendUnique(r.Tactics, slug)
		} else if slug, ok := mp.tacticTag(th.Tactic.Name); ok {
			r.Tactics = appendUnique(r.Tactics, slug)
		}
		for _, tech := range th.Technique {
			if len(tech.Subtechnique) == 0 {
				mp.mapAttackID(r, tech.ID)
				continue
			}
			for _, sub := range tech.Subtechnique {
				mp.mapAttackID(r, sub.ID)
			}
		}
	}
}

// tableLine returns the 1-based line of a TOML table header, or 0.
func tableLine(data []byte, header string) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if string(bytes.TrimSpace(line)) == header {
			return i + 1
		}
	}
	return 0
}
