package detect

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Splunk security content detections are YAML files, one detection each,
// with a name and tags.mitre_attack_id, a list of ATT&CK technique and
// sub-technique IDs. A detection whose status is "deprecated" or
// "removed" is imported as disabled. References to the matrix site map
// explicitly.

func (st *importState) importSplunk(file string, docs []*yaml.Node) {
	for _, doc := range docs {
		fields := mappingFields(doc)
		if fields == nil {
			st.errorf(file, doc.Line, "Splunk detection is not a mapping")
			continue
		}
		st.addSplunkRule(file, doc.Line, fields)
	}
}

func (st *importState) addSplunkRule(file string, line int, fields map[string]*yaml.Node) {
	r := Rule{Source: file, Line: line, Format: FormatSplunk, Name: scalar(fields["name"]), Enabled: true}
	if r.Name == "" {
		st.warnf(file, line, "Splunk detection has no name")
		r.Name = scalar(fields["id"])
	}
	disabled := ""
	switch status := strings.ToLower(scalar(fields["status"])); status {
	case "deprecated", "removed":
		r.Enabled = false
		disabled = "disabled (status: " + status + ")"
	}
	tags := fields["tags"]
	ids := mapValue(tags, "mitre_attack_id")
	if ids != nil && ids.Kind != yaml.SequenceNode && ids.Kind != yaml.ScalarNode {
		st.errorf(file, ids.Line, "tags.mitre_attack_id must be a list of ATT&CK IDs")
	}
	for _, id := range scalars(ids) {
		if !isAttackID(id) {
			st.warnf(file, ids.Line, "tags.mitre_attack_id lists %q, which is not an ATT&CK technique ID", id)
			continue
		}
		r.Tags = append(r.Tags, id)
		st.mapper.mapAttackID(&r, id)
	}
	for _, ref := range scalars(fields["references"]) {
		st.mapper.mapLink(&r, ref)
	}
	explainRule(&r, disabled)
	st.addRule(r)
}
