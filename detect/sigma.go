package detect

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Sigma rules are YAML documents, one rule each. A multi-document file may
// start with "action: global", whose fields every later document inherits;
// "action: reset" drops them and "action: repeat" starts a rule from the
// previous one. Tags "attack.t1611" and "attack.t1552.007" are ATT&CK IDs,
// "attack.privilege-escalation" (or with underscores, or ATT&CK's newer
// "attack.stealth") are tactics. A reference to a technique page of the
// matrix site maps the rule explicitly. A rule whose status is deprecated or
// unsupported is imported as disabled.

// importSigma imports the rules of a Sigma file.
func (st *importState) importSigma(file string, docs []*yaml.Node) {
	var global, previous map[string]*yaml.Node
	for _, doc := range docs {
		fields := mappingFields(doc)
		if fields == nil {
			st.errorf(file, doc.Line, "Sigma document is not a mapping")
			continue
		}
		switch scalar(fields["action"]) {
		case "global":
			global = fields
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			fields = merge(previous, fields)
		}
		fields = merge(global, fields)
		previous = fields
		st.addSigmaRule(file, doc.Line, fields)
	}
}

func (st *importState) addSigmaRule(file string, line int, fields map[string]*yaml.Node) {
	r := Rule{Source: file, Line: line, Format: FormatSigma, Name: scalar(fields["title"]), Enabled: true}
	if r.Name == "" {
		r.Name = scalar(fields["id"])
	}
	if r.Name == "" {
		st.warnf(file, line, "Sigma rule has no title or id")
	}
	disabled := ""
	switch status := scalar(fields["status"]); status {
	case "deprecated", "unsupported":
		r.Enabled = false
		disabled = "disabled (status: " + status + ")"
	}
	r.Tags = scalars(fields["tags"])
	mp := st.mapper
	for _, tag := range r.Tags {
		name, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(tag)), "attack.")
		if !ok {
			continue
		}
		switch {
		case isAttackID(name):
			mp.mapAttackID(&r, name)
		case matrixIDPattern.MatchString(name):
			mp.mapMatrixID(&r, name)
		default:
			if slug, ok := mp.tacticTag(name); ok {
				r.Tactics = appendUnique(r.Tactics, slug)
			}
		}
	}
	for _, ref := range scalars(fields["references"]) {
		mp.mapLink(&r, ref)
	}
	explainRule(&r, disabled)
	st.addRule(r)
}

// mappingFields returns the top-level fields of a YAML mapping, or nil.
func mappingFields(n *yaml.Node) map[string]*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

// merge returns base with the fields of over on top. Lists and nested
// mappings are replaced, not merged, except that list fields (tags,
// references) are joined.
func merge(base, over map[string]*yaml.Node) map[string]*yaml.Node {
	if base == nil {
		return over
	}
	out := make(map[string]*yaml.Node, len(base)+len(over))
	for k, v := range base {
		if k != "action" {
			out[k] = v
		}
	}
	for k, v := range over {
		if old, ok := out[k]; ok && old.Kind == yaml.SequenceNode && v.Kind == yaml.SequenceNode {
			joined := *old
			joined.Content = append(append([]*yaml.Node(nil), old.Content...), v.Content...)
			out[k] = &joined
			continue
		}
		out[k] = v
	}
	return out
}
