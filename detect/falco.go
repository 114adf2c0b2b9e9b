package detect

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Falco rule files are YAML lists of rule, macro and list items. Files are
// loaded in order into one namespace, as Falco does:
//
//   - a rule, macro or list defined again replaces the earlier one;
//   - "append: true" appends to the earlier item: the condition (after a
//     space), output, description, exceptions and tags of a rule, the
//     condition of a macro, the items of a list;
//   - "override:" names, per field, "append" or "replace";
//   - an item with only "rule" and "enabled" switches an earlier rule on
//     or off.
//
// Rules are mapped once every file is read, so an override in a later file
// counts. Tags map as follows: "T1611" and "T1552.007" are ATT&CK IDs,
// "MS-TA9006" is a matrix ID, "mitre_privilege_escalation" and "TA0004" are
// tactics. Kubernetes audit rules (source k8s_audit), which carry only the
// tag "k8s", go through the built-in mapping of falco_k8saudit_mapping.go.

// falcoItem is one entry of a Falco rules file, as written.
type falcoItem struct {
	Rule       *string           `yaml:"rule"`
	Macro      *string           `yaml:"macro"`
	List       *string           `yaml:"list"`
	Desc       string            `yaml:"desc"`
	Condition  *string           `yaml:"condition"`
	Output     string            `yaml:"output"`
	Priority   string            `yaml:"priority"`
	Source     string            `yaml:"source"`
	Tags       []string          `yaml:"tags"`
	Enabled    *bool             `yaml:"enabled"`
	Append     bool              `yaml:"append"`
	Override   map[string]string `yaml:"override"`
	Items      []any             `yaml:"items"`
	Exceptions []struct {
		Name string `yaml:"name"`
	} `yaml:"exceptions"`
}

// falcoRule is a rule after loading, with appends and overrides applied.
type falcoRule struct {
	name, file       string
	line             int
	desc, condition  string
	output, priority string
	source           string
	tags             []string
	exceptions       []string
	enabled          bool
}

// falcoLoader holds the Falco namespace of one import.
type falcoLoader struct {
	st     *importState
	rules  []*falcoRule
	byName map[string]*falcoRule
	macros map[string]string
	lists  map[string][]string
}

func newFalcoLoader(st *importState) *falcoLoader {
	return &falcoLoader{st: st, byName: map[string]*falcoRule{}, macros: map[string]string{}, lists: map[string][]string{}}
}

// load adds the items of one file.
func (fl *falcoLoader) load(file string, docs []*yaml.Node) {
	for _, doc := range docs {
		if doc.Kind != yaml.SequenceNode {
			fl.st.errorf(file, doc.Line, "a Falco rules file is a YAML list; this document is not")
			continue
		}
		for _, node := range doc.Content {
			fl.loadItem(file, node)
		}
	}
}

func (fl *falcoLoader) loadItem(file string, node *yaml.Node) {
	if node.Kind != yaml.MappingNode {
		fl.st.errorf(file, node.Line, "Falco item is not a mapping")
		return
	}
	var it falcoItem
	if err := node.Decode(&it); err != nil {
		fl.st.errorf(file, node.Line, "invalid Falco item: %v", err)
		return
	}
	switch {
	case it.Rule != nil:
		fl.loadRule(file, node.Line, &it)
	case it.Macro != nil:
		fl.loadMacro(file, node.Line, &it)
	case it.List != nil:
		fl.loadList(&it)
	}
}

func (fl *falcoLoader) loadRule(file string, line int, it *falcoItem) {
	name := strings.TrimSpace(*it.Rule)
	if name == "" {
		fl.st.errorf(file, line, "Falco rule has an empty name")
		return
	}
	old := fl.byName[name]
	switch {
	case it.Append || len(it.Override) > 0:
		if old == nil {
			fl.st.warnf(file, line, "rule %q is appended to or overridden before it is defined; load the file that defines it first", name)
			return
		}
		fl.modifyRule(file, line, old, it)
	case it.Condition == nil:
		if it.Enabled == nil {
			fl.st.errorf(file, line, "rule %q has no condition", name)
			return
		}
		if old == nil {
			fl.st.warnf(file, line, "rule %q is switched on or off before it is defined; load the file that defines it first", name)
			return
		}
		old.enabled = *it.Enabled
	default:
		r := &falcoRule{name: name, file: file, line: line, desc: it.Desc, condition: *it.Condition,
			output: it.Output, priority: it.Priority, source: it.Source, tags: it.Tags, enabled: true}
		if it.Enabled != nil {
			r.enabled = *it.Enabled
		}
		for _, e := range it.Exceptions {
			r.exceptions = append(r.exceptions, e.Name)
		}
		if old != nil {
			*old = *r // a redefinition replaces the rule but keeps its place
			return
		}
		fl.byName[name] = r
		fl.rules = append(fl.rules, r)
	}
}

// modifyRule applies "append: true" or an "override:" block to a rule.
func (fl *falcoLoader) modifyRule(file string, line int, r *falcoRule, it *falcoItem) {
	mode := func(field string) string {
		if m, ok := it.Override[field]; ok {
			return m
		}
		if it.Append {
			return "append"
		}
		return ""
	}
	for field, m := range it.Override {
		if m != "append" && m != "replace" {
			fl.st.errorf(file, line, "rule %q: override of %q is %q; use append or replace", r.name, field, m)
		}
	}
	if it.Condition != nil {
		r.condition = combine(mode("condition"), r.condition, *it.Condition)
	}
	if it.Output != "" {
		r.output = combine(mode("output"), r.output, it.Output)
	}
	if it.Desc != "" {
		r.desc = combine(mode("desc"), r.desc, it.Desc)
	}
	if it.Priority != "" {
		r.priority = it.Priority
	}
	if it.Tags != nil {
		if mode("tags") == "replace" {
			r.tags = it.Tags
		} else {
			for _, t := range it.Tags {
				r.tags = appendUnique(r.tags, t)
			}
		}
	}
	if len(it.Exceptions) > 0 {
		if mode("exceptions") == "replace" {
			r.exceptions = nil
		}
		for _, e := range it.Exceptions {
			r.exceptions = append(r.exceptions, e.Name)
		}
	}
	if it.Enabled != nil {
		r.enabled = *it.Enabled
	}
}

func combine(mode, old, add string) string {
	if mode == "replace" {
		return add
	}
	return old + " " + add
}

func (fl *falcoLoader) loadMacro(file string, line int, it *falcoItem) {
	name := strings.TrimSpace(*it.Macro)
	if it.Condition == nil {
		fl.st.errorf(file, line, "macro %q has no condition", name)
		return
	}
	if old, ok := fl.macros[name]; ok && (it.Append || it.Override["condition"] == "append") {
		fl.macros[name] = old + " " + *it.Condition
		return
	}
	fl.macros[name] = *it.Condition
}

func (fl *falcoLoader) loadList(it *falcoItem) {
	name := strings.TrimSpace(*it.List)
	var items []string
	for _, x := range it.Items {
		items = append(items, fmt.Sprint(x))
	}
	if it.Append || it.Override["items"] == "append" {
		fl.lists[name] = append(fl.lists[name], items...)
		return
	}
	fl.lists[name] = items
}

// finish maps every loaded rule and adds it to the set.
func (fl *falcoLoader) finish() {
	for _, fr := range fl.rules {
		r := Rule{Source: fr.file, Line: fr.line, Format: FormatFalco, Name: fr.name, Enabled: fr.enabled, Tags: fr.tags}
		fl.mapTags(&r)
		if !r.Mapped() && fr.isKubernetesAudit() {
			mapK8sAudit(&r, fr.name, fl.expand(fr.condition))
		}
		explainUnmapped(&r)
		if !fr.enabled {
			r.Reason = joinNotes("disabled (enabled: false)", r.Reason)
		}
		fl.st.addRule(r)
	}
}

func (fr *falcoRule) isKubernetesAudit() bool {
	return fr.source == "k8s_audit" || strings.Contains(fr.condition, "ka.")
}

// mapTags maps a Falco rule's tags: ATT&CK IDs, matrix IDs and tactics.
func (fl *falcoLoader) mapTags(r *Rule) {
	mp := fl.st.mapper
	for _, tag := range r.Tags {
		tag = strings.TrimSpace(tag)
		switch {
		case isAttackID(tag):
			mp.mapAttackID(r, tag)
		case matrixIDPattern.MatchString(tag) || strings.HasPrefix(strings.ToUpper(tag), "MS-TA"):
			mp.mapMatrixID(r, tag)
		case strings.HasPrefix(tag, "mitre_"):
			if slug, ok := mp.tacticTag(strings.TrimPrefix(tag, "mitre_")); ok {
				r.Tactics = appendUnique(r.Tactics, slug)
			}
		case tacticIDPattern.MatchString(tag):
			if slug, ok := mp.tacticTag(tag); ok {
				r.Tactics = appendUnique(r.Tactics, slug)
			}
		}
	}
}

// falcoIdentifier matches a word of a condition. Hyphens, slashes and
// colons are part of a word, so that a list item such as
// "deployment-controller" is not mistaken for the macro "deployment".
var falcoIdentifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_.:/*-]*`)

// maxExpansion bounds the length of an expanded condition, in bytes, so
// that macros that refer to each other cannot grow without end.
const maxExpansion = 1 << 20

// expand replaces macro names in a condition by their conditions and list
// names by their items, recursively, for matching on the fields a rule
// reads.
func (fl *falcoLoader) expand(cond string) string {
	for range 16 {
		changed := false
		next := falcoIdentifier.ReplaceAllStringFunc(cond, func(tok string) string {
			if m, ok := fl.macros[tok]; ok {
				changed = true
				return "(" + m + ")"
			}
			if items, ok := fl.lists[tok]; ok {
				changed = true
				return strings.Join(items, ", ")
			}
			return tok
		})
		if !changed || len(next) > maxExpansion {
			return cond
		}
		cond = next
	}
	return cond
}
