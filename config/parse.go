package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/internal/nearest"
	"github.com/kubethreat/kubethreat/source"
)

// parser builds a File from the YAML node tree of a configuration file, so
// that each problem carries the position of the key or value at fault and
// one bad field does not hide the others.
type parser struct {
	file        string
	knownChecks []string // empty: check IDs are not validated
	problems    []Problem
}

// schema lists the fields that one mapping of the file takes.
type schema struct {
	fields []string
	takes  string            // the fields in words, as in "match takes kind, namespace and name"
	moved  map[string]string // hints for fields that belong in another mapping
}

var (
	fileSchema = schema{
		fields: []string{"allowedRegistries", "exceptions"},
		takes:  "the file takes allowedRegistries and exceptions",
	}
	exceptionSchema = schema{
		fields: []string{"check", "match", "reason", "expires"},
		takes:  "an exception takes check, match, reason and expires",
		moved: map[string]string{
			"kind":      "Move it under match",
			"namespace": "Move it under match",
			"name":      "Move it under match",
		},
	}
	matchSchema = schema{
		fields: []string{"kind", "namespace", "name"},
		takes:  "match takes kind, namespace and name",
	}
)

// add records a problem at the position of node n, or without a position
// when n is nil.
func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	prob := Problem{File: p.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		prob.Line, prob.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, prob)
}

// err returns the problems found, sorted by position, as an *Error. A
// mapping merged into several places reports its own problems once.
func (p *parser) err() error {
	sort.SliceStable(p.problems, func(i, j int) bool {
		a, b := p.problems[i], p.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	p.problems = slices.CompactFunc(p.problems, func(a, b Problem) bool {
		return a.Line == b.Line && a.Column == b.Column && a.Message == b.Message
	})
	return &Error{File: p.file, Problems: p.problems}
}

// parse reads the single YAML document in data. A file without a document,
// such as an empty one or one with only comments, is an empty configuration.
func (p *parser) parse(data []byte) *File {
	f := &File{Path: p.file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			p.addSyntaxError(data, err)
		}
		return f
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.addSyntaxError(data, err)
	default:
		p.add(&extra, "", "found a second YAML document; the file must contain one YAML document, so remove the --- line and what follows it")
	}
	if len(doc.Content) == 0 {
		return f
	}

	root := resolve(doc.Content[0])
	if isNull(root) {
		return f
	}
	if root.Kind != yaml.MappingNode {
		p.add(root, "", "expected a mapping, found %s; %s", kindName(root), fileSchema.takes)
		return f
	}
	values := p.fields("", root, fileSchema)
	f.AllowedRegistries = p.registries(values["allowedRegistries"])
	f.Exceptions = p.exceptions(values["exceptions"])
	return f
}

func (p *parser) registries(n *yaml.Node) []string {
	const field = "allowedRegistries"
	n = resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "expected a list of registry prefixes, found %s; write each prefix on its own line after \"- \"", kindName(n))
		return nil
	}
	var out []string
	for i, item := range n.Content {
		itemField := fmt.Sprintf("%s[%d]", field, i)
		value, ok := p.scalar(itemField, item)
		if !ok {
			continue
		}
		if strings.TrimSpace(value) == "" {
			p.add(item, itemField, "empty registry prefix; remove the entry")
			continue
		}
		out = append(out, value)
	}
	return out
}

func (p *parser) exceptions(n *yaml.Node) []Exception {
	const field = "exceptions"
	n = resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "expected a list of exceptions, found %s; start each exception with \"- check: \"", kindName(n))
		return nil
	}
	out := make([]Exception, 0, len(n.Content))
	for i, item := range n.Content {
		out = append(out, p.exception(fmt.Sprintf("%s[%d]", field, i), item))
	}
	return out
}

// exception decodes one exception and reports every problem in it. A
// missing field is reported at the exception's first key, and an invalid
// value at the value.
func (p *parser) exception(field string, item *yaml.Node) Exception {
	e := Exception{Line: item.Line}
	n := resolve(item)
	if n.Kind != yaml.MappingNode {
		p.add(item, field, "expected a mapping with check and reason, found %s", kindName(n))
		return e
	}
	values := p.fields(field, n, exceptionSchema)

	checkNode := values["check"]
	check, ok := p.scalar(field+".check", checkNode)
	switch {
	case !ok:
	case strings.TrimSpace(check) == "":
		p.add(positionOf(checkNode, n), field+".check", "missing; name the check ID to suppress")
	case len(p.knownChecks) > 0 && !slices.Contains(p.knownChecks, check):
		p.add(checkNode, field+".check", "%s", unknownCheckMessage(check, p.knownChecks))
	}
	e.Check = check

	reasonNode := values["reason"]
	reason, ok := p.scalar(field+".reason", reasonNode)
	if ok && strings.TrimSpace(reason) == "" {
		p.add(positionOf(reasonNode, n), field+".reason", "missing; say why the finding is accepted")
	}
	e.Reason = reason

	expiresNode := values["expires"]
	expires, ok := p.scalar(field+".expires", expiresNode)
	if ok && expires != "" {
		if msg := dateProblem(expires); msg != "" {
			p.add(expiresNode, field+".expires", "%s", msg)
		}
	}
	e.Expires = expires

	e.Match = p.match(field+".match", values["match"])
	return e
}

func (p *parser) match(field string, n *yaml.Node) Match {
	n = resolve(n)
	if n == nil || isNull(n) {
		return Match{}
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "expected a mapping, found %s; %s", kindName(n), matchSchema.takes)
		return Match{}
	}
	values := p.fields(field, n, matchSchema)
	var m Match
	for _, g := range []struct {
		name string
		dst  *string
	}{{"kind", &m.Kind}, {"namespace", &m.Namespace}, {"name", &m.Name}} {
		value, ok := p.scalar(field+"."+g.name, values[g.name])
		if !ok {
			continue
		}
		if _, err := path.Match(value, ""); err != nil {
			p.add(values[g.name], field+"."+g.name, "invalid glob %q; each [ needs a closing ], and a literal [, *, ? or \\ needs a \\ before it", value)
		}
		*g.dst = value
	}
	return m
}

// fields returns the value of each key of the mapping n by name, and
// reports keys that s does not list and keys given twice. The keys of
// mappings merged with "<<" come after n's own, as YAML defines: a key of n
// overrides a merged one, and an earlier merged mapping a later one.
//
// The value of a misspelt key is decoded as the field whose name is
// nearest, unless that field is also set, so that the problems inside the
// value are reported together with the misspelling.
func (p *parser) fields(field string, n *yaml.Node, s schema) map[string]*yaml.Node {
	values := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	guessed := map[string]*yaml.Node{}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if isMergeKey(key) {
			merged = append(merged, p.mergeSources(field, value)...)
			continue
		}
		name, ok := p.fieldName(field, key, s)
		if !ok {
			if name != "" && guessed[name] == nil {
				guessed[name] = value
			}
			continue
		}
		if first, ok := keys[name]; ok {
			p.add(key, field, "duplicate field %s, also set on line %d; remove one of them", name, first.Line)
			continue
		}
		keys[name] = key
		values[name] = value
	}

	// Each merged mapping is read once, which bounds the work on a file
	// whose merges refer to one mapping many times.
	seen := map[*yaml.Node]bool{n: true}
	for len(merged) > 0 {
		m := merged[0]
		merged = merged[1:]
		if seen[m] {
			continue
		}
		seen[m] = true
		for i := 0; i+1 < len(m.Content); i += 2 {
			key, value := m.Content[i], m.Content[i+1]
			if isMergeKey(key) {
				merged = append(merged, p.mergeSources(field, value)...)
				continue
			}
			if name, ok := p.fieldName(field, key, s); ok && values[name] == nil {
				values[name] = value
			}
		}
	}

	for name, value := range guessed {
		if values[name] == nil {
			values[name] = value
		}
	}
	return values
}

// fieldName returns the field of s that key names and true. For any other
// key it reports the key and returns the nearest field name, or "" when no
// field is near, and false.
func (p *parser) fieldName(field string, key *yaml.Node, s schema) (string, bool) {
	if key.Kind != yaml.ScalarNode {
		p.add(key, field, "expected a field name, found %s; %s", kindName(key), s.takes)
		return "", false
	}
	if slices.Contains(s.fields, key.Value) {
		return key.Value, true
	}
	msg := fmt.Sprintf("unknown field %s; %s.", key.Value, s.takes)
	near := nearest.Names(key.Value, s.fields, 1)
	if len(near) > 0 {
		msg += " Did you mean " + near[0] + "?"
	} else if hint := s.moved[key.Value]; hint != "" {
		msg += " " + hint + "."
	}
	p.add(key, field, "%s", msg)
	if len(near) > 0 {
		return near[0], false
	}
	return "", false
}

// mergeSources returns the mappings that the value of a "<<" key merges: a
// mapping or a list of mappings, each usually an alias.
func (p *parser) mergeSources(field string, value *yaml.Node) []*yaml.Node {
	n := resolve(value)
	if n.Kind == yaml.MappingNode {
		return []*yaml.Node{n}
	}
	if n.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range n.Content {
			if m := resolve(item); m.Kind == yaml.MappingNode {
				out = append(out, m)
			} else {
				p.add(item, field, "<< merges mappings, found %s", kindName(m))
			}
		}
		return out
	}
	p.add(value, field, "<< merges a mapping or a list of mappings, found %s", kindName(n))
	return nil
}

// scalar returns the text of the scalar n, "" for null or an absent field.
// It reports any other kind of node and returns false.
func (p *parser) scalar(field string, n *yaml.Node) (string, bool) {
	n = resolve(n)
	switch {
	case n == nil || isNull(n):
		return "", true
	case n.Kind == yaml.ScalarNode:
		return n.Value, true
	}
	p.add(n, field, "expected a string, found %s", kindName(n))
	return "", false
}

// addSyntaxError records an error of the YAML parser, which stops the
// parse, so it is the only problem reported.
func (p *parser) addSyntaxError(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, reason, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = n, reason
			}
		}
	}
	switch {
	case line > 0 && source.IsYAMLParserProblem(msg):
		line++
	case line == 0 && !isReaderProblem(msg):
		// yaml.v3 v3.0.1 leaves out the line when it is the first one.
		line = 1
	}

	prob := Problem{File: p.file, Line: line, Message: "invalid YAML: " + msg}
	if strings.Contains(msg, "tab") || strings.Contains(msg, "cannot start any token") {
		if tabLine, tabColumn := nearestTabIndent(data, line); tabLine > 0 {
			prob.Line, prob.Column = tabLine, tabColumn
			prob.Message += "; YAML forbids tabs for indentation, so replace them with spaces"
		}
	}
	p.problems = append(p.problems, prob)
}

// isReaderProblem reports whether msg comes from yaml.v3's reader, which
// rejects bytes that are not text and gives no line for them.
func isReaderProblem(msg string) bool {
	for _, s := range []string{"UTF-8", "UTF-16", "Unicode", "control characters", "input error"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// nearestTabIndent returns the line and column, counted from 1, of the tab
// in the indentation nearest to the line near, or zeros when no line is
// indented with a tab. yaml.v3 sometimes reports a tab on the line before
// it.
func nearestTabIndent(data []byte, near int) (line, column int) {
	best := -1
	for i, text := range strings.Split(string(data), "\n") {
		indent := text[:len(text)-len(strings.TrimLeft(text, " \t"))]
		tab := strings.IndexByte(indent, '\t')
		if tab < 0 {
			continue
		}
		dist := i + 1 - near
		if dist < 0 {
			dist = -dist
		}
		if best < 0 || dist < best {
			best, line, column = dist, i+1, tab+1
		}
	}
	return line, column
}

var dateForm = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)

// dateProblem returns what is wrong with an expiry date, or "" for a valid
// one.
func dateProblem(s string) string {
	if _, err := time.Parse(DateLayout, s); err == nil {
		return ""
	}
	parts := dateForm.FindStringSubmatch(s)
	if parts == nil {
		return fmt.Sprintf("%q is not a date in the form YYYY-MM-DD, such as 2026-12-31", s)
	}
	year, _ := strconv.Atoi(parts[1])
	month, _ := strconv.Atoi(parts[2])
	if month < 1 || month > 12 {
		return fmt.Sprintf("%q is not a date: month %s does not exist; expected YYYY-MM-DD, such as %s-12-31", s, parts[2], parts[1])
	}
	// Day 0 of the next month is the last day of this one.
	last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%q is not a date: %s %d has %d days; expected YYYY-MM-DD, such as %s",
		s, last.Month(), year, last.Day(), last.Format(DateLayout))
}

func unknownCheckMessage(id string, known []string) string {
	msg := fmt.Sprintf("unknown check %q", id)
	if near := nearest.Names(id, known, 3); len(near) > 0 {
		return msg + "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return msg + "; no check of this version of kubethreat has that ID"
}

// resolve follows aliases to the node they name. It gives up after 8
// steps and returns an alias node, which callers report as the wrong kind.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// positionOf returns n, or the node fallback when the field is absent.
func positionOf(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func isMergeKey(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!merge"
}

// kindName names the kind of n for messages, as in "a list".
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		case "!!timestamp":
			return "a date"
		}
		return "a string"
	}
	return "a YAML document"
}
