package detect

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// A mapping file lists rules that kubethreat cannot read itself (a SIEM's
// saved searches, an EDR's policies) with the techniques they detect. It
// is YAML:
//
//	kubethreat: detection-mapping/v1
//	rules:
//	  - name: kubectl exec by a person
//	    techniques: [MS-TA9006, T1609]
//	    enabled: true   # optional, true when left out
//	    tags: [siem]    # optional
//
// or CSV with a header row naming the columns name, techniques and the
// optional enabled and tags. A cell separates several techniques or tags
// with ";", "|", "," or spaces. A technique is a matrix ID (explicit), an ATT&CK ID (mapped
// through the cross-walk) or a link to a technique page of the matrix site
// (explicit). docs/detection-mapping.md describes the format.

// MappingVersion is the value of the "kubethreat" key of a mapping file.
const MappingVersion = "detection-mapping/v1"

var mappingRuleKeys = map[string]bool{"name": true, "techniques": true, "enabled": true, "tags": true}

func (st *importState) importMappingYAML(file string, docs []*yaml.Node) {
	for _, doc := range docs {
		fields := mappingFields(doc)
		if v := scalar(fields["kubethreat"]); v != MappingVersion {
			st.errorf(file, doc.Line, "unknown mapping file version %q; use kubethreat: %s", v, MappingVersion)
			continue
		}
		for key, val := range fields {
			if key != "kubethreat" && key != "rules" {
				st.errorf(file, val.Line, "unknown key %q in mapping file; use kubethreat and rules", key)
			}
		}
		rules := fields["rules"]
		if rules == nil || rules.Kind != yaml.SequenceNode {
			st.errorf(file, doc.Line, "mapping file has no rules list")
			continue
		}
		for _, item := range rules.Content {
			st.addMappingYAMLRule(file, item)
		}
	}
}

func (st *importState) addMappingYAMLRule(file string, item *yaml.Node) {
	fields := mappingFields(item)
	if fields == nil {
		st.errorf(file, item.Line, "mapping rule is not a mapping")
		return
	}
	for key, val := range fields {
		if !mappingRuleKeys[key] {
			st.errorf(file, val.Line, "unknown key %q in mapping rule; use name, techniques, enabled and tags", key)
		}
	}
	enabled := true
	if e := fields["enabled"]; e != nil {
		if err := e.Decode(&enabled); err != nil {
			st.errorf(file, e.Line, "enabled must be true or false, not %q", e.Value)
		}
	}
	techniques := fields["techniques"]
	line := item.Line
	if techniques != nil {
		line = techniques.Line
	}
	st.addMappingRule(file, item.Line, line, scalar(fields["name"]), scalars(techniques), scalars(fields["tags"]), enabled)
}

// addMappingRule maps one rule of a mapping file. line is the line of the
// rule; techLine the line to report technique errors at.
func (st *importState) addMappingRule(file string, line, techLine int, name string, techniques, tags []string, enabled bool) {
	if strings.TrimSpace(name) == "" {
		st.errorf(file, line, "mapping rule has no name")
		return
	}
	r := Rule{Source: file, Line: line, Format: FormatMapping, Name: name, Enabled: enabled, Tags: tags}
	if len(techniques) == 0 {
		st.errorf(file, techLine, "mapping rule %q lists no techniques", name)
	}
	mp := st.mapper
	for _, t := range techniques {
		t = strings.TrimSpace(t)
		switch {
		case isAttackID(t):
			if !mp.mapAttackID(&r, t) {
				st.warnf(file, techLine, "rule %q: no matrix technique maps to ATT&CK %s", name, t)
			}
		case strings.Contains(t, "://"):
			if !mp.mapLink(&r, t) {
				st.errorf(file, techLine, "rule %q: %q is not a technique page of the matrix site", name, t)
			}
		default:
			if !mp.mapMatrixID(&r, t) {
				st.errorf(file, techLine, "rule %q: unknown technique %q%s", name, t, mp.didYouMean(t))
			}
		}
	}
	disabled := ""
	if !enabled {
		disabled = "disabled (enabled: false)"
	}
	explainRule(&r, disabled)
	st.addRule(r)
}

func (st *importState) importMappingCSV(file string, data []byte) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		st.skip(file, "empty file")
		return
	}
	if err != nil {
		st.errorf(file, csvLine(err), "invalid CSV: %v", err)
		return
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := cols["name"]; !ok {
		st.skip(file, "CSV without a name column, so not a kubethreat mapping file")
		return
	}
	if _, ok := cols["techniques"]; !ok {
		st.errorf(file, 1, "mapping CSV has no techniques column; name the columns name, techniques, enabled, tags")
		return
	}
	st.readMappingCSVRows(file, cr, cols)
}

func (st *importState) readMappingCSVRows(file string, cr *csv.Reader, cols map[string]int) {
	get := func(rec []string, col string) string {
		if i, ok := cols[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			st.errorf(file, csvLine(err), "invalid CSV: %v", err)
			return
		}
		line, _ := cr.FieldPos(0)
		enabled, ok := parseEnabled(get(rec, "enabled"))
		if !ok {
			st.errorf(file, line, "enabled must be true, false, yes or no, not %q", get(rec, "enabled"))
		}
		st.addMappingRule(file, line, line, get(rec, "name"), splitList(get(rec, "techniques")), splitList(get(rec, "tags")), enabled)
	}
}

// parseEnabled reads an enabled cell: empty means true.
func parseEnabled(s string) (enabled, ok bool) {
	switch strings.ToLower(s) {
	case "", "true", "yes", "1", "y":
		return true, true
	case "false", "no", "0", "n":
		return false, true
	}
	return true, false
}

func csvLine(err error) int {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return perr.Line
	}
	return 0
}

// splitList splits a CSV cell on ";", "|", "," and spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' || r == ' ' || r == '\t' })
}

// didYouMean returns "; did you mean X?" for an unknown technique ID, or "".
func (mp *mapper) didYouMean(id string) string {
	var ids []string
	for _, s := range mp.m.Suggest(id, 8) {
		if strings.HasPrefix(s, "MS-TA") {
			ids = append(ids, s)
		}
		if len(ids) == 3 {
			break
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(ids, ", ") + "?"
}
