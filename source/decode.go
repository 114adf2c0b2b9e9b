package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits on one YAML or JSON document. yaml.v3 keeps an alias as a pointer
// to its anchor, so decoding never expands it, but a caller that walks a
// tree through its aliases would: a "billion laughs" document of a few
// hundred bytes expands to billions of nodes. Documents over these limits
// are rejected with an error.
const (
	// MaxAliases is the maximum number of alias nodes in one document.
	MaxAliases = 10000
	// MaxDepth is the maximum nesting depth of one document.
	MaxDepth = 1000
	// MaxAliasExpansion is the maximum number of nodes that expanding every
	// alias of one document would add to it.
	MaxAliasExpansion = 1_000_000
)

// Reasons for skipping a file or document, as counted in
// LoadResult.SkippedBy.
const (
	SkipChart          = "Chart.yaml"
	SkipValues         = "values.yaml"
	SkipKustomization  = "kustomization.yaml"
	SkipNotObject      = "not a Kubernetes object"
	SkipFalcoRules     = "Falco rules"
	SkipSigmaRule      = "Sigma rule"
	SkipTestDefinition = "test definition"
)

// testDefinitionGroups are API groups of test-runner files that look like
// Kubernetes objects but are never applied to a cluster.
var testDefinitionGroups = map[string]bool{
	"cli.kyverno.io":      true,
	"chainsaw.kyverno.io": true,
	"test.gatekeeper.sh":  true,
}

// decoded is the result of decoding one stream or rendering one input.
type decoded struct {
	objects   []*Object
	skipped   int
	skippedBy map[string]int
	errors    []Diagnostic
	warnings  []Diagnostic

	// templateHinted is true when a syntax error's hint is about template
	// actions, which makes a warning about them redundant.
	templateHinted bool
	// braces are the positions of flow mappings that open with "{{",
	// which is how YAML reads an unquoted template action.
	braces map[position]bool

	// anchorSizes is the expanded size of each anchored node of the
	// stream. yaml.v3 resolves an alias to an anchor of an earlier
	// document of the same stream, so the sizes outlive one document.
	anchorSizes map[*yaml.Node]int64
}

func (d *decoded) skip(reason string) {
	if d.skippedBy == nil {
		d.skippedBy = map[string]int{}
	}
	d.skipped++
	d.skippedBy[reason]++
}

// DecodeYAML splits a YAML or JSON stream into objects. Documents that are
// not Kubernetes objects are skipped and counted in skipped. A document
// that fails to parse does not stop the documents after it; err joins the
// diagnostics of every document that was dropped.
func DecodeYAML(file string, data []byte) (objects []*Object, skipped int, err error) {
	d := decodeStream(file, data, "file", isJSONName(file))
	errs := make([]error, len(d.errors))
	for i, e := range d.errors {
		errs[i] = e
	}
	return d.objects, d.skipped, errors.Join(errs...)
}

func isJSONName(name string) bool {
	return strings.EqualFold(filepath.Ext(name), ".json")
}

// decodeStream decodes a YAML stream, a JSON value or a sequence of JSON
// values. name is the file recorded in locations; origin is recorded in
// each object. jsonName is true for a file named *.json, whose JSON syntax
// errors are reported as such instead of retrying the data as YAML.
func decodeStream(name string, data []byte, origin string, jsonName bool) *decoded {
	d := decodeValues(name, data, origin, jsonName)
	// Helm and Kustomize output has been rendered already, so a "{{" left
	// in it is meant for another tool.
	if isPlainOrigin(origin) && !d.templateHinted && bytes.Contains(data, []byte("{{")) {
		if w, ok := templateWarning(name, templateActions(data), d.braces); ok {
			d.warnings = append(d.warnings, w)
		}
	}
	return d
}

// isPlainOrigin reports whether objects of origin come from files as
// written, which no tool has rendered.
func isPlainOrigin(origin string) bool {
	return origin == "file" || origin == "stdin"
}

// decodeValues decodes the documents of a stream as decodeStream does, but
// without looking for template actions.
func decodeValues(name string, data []byte, origin string, jsonName bool) *decoded {
	d := &decoded{}
	if looksLikeJSON(data) {
		values, err := parseJSON(data)
		if err == nil || jsonName {
			for _, v := range values {
				d.addDocument(name, origin, v, 0)
			}
			if err != nil {
				d.errors = append(d.errors, Diagnostic{File: name, Line: err.line, Column: err.column, Message: "invalid JSON: " + err.msg})
			}
			return d
		}
		// Not JSON: JSON-style flow YAML such as {apiVersion: v1} starts
		// with a brace too.
	}
	// Most streams are valid: decode them with one parser, and split the
	// stream into documents only to recover from a syntax error.
	if docs, ok := decodeWhole(data); ok {
		for _, doc := range docs {
			d.addDocument(name, origin, doc, 0)
		}
		return d
	}
	for _, c := range splitDocuments(data) {
		d.decodeChunk(name, origin, c.data, c.line)
	}
	return d
}

// decodeWhole decodes every document of a stream with one parser. It
// reports false on a syntax error or a parser panic.
func decodeWhole(data []byte) (docs []*yaml.Node, ok bool) {
	defer func() {
		if recover() != nil {
			docs, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		doc := new(yaml.Node)
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			return docs, true
		}
		if err != nil {
			return nil, false
		}
		docs = append(docs, doc)
	}
}

// looksLikeJSON reports whether the first character that is not white
// space opens a JSON object or array.
func looksLikeJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// chunk is one document of a YAML stream with the number of lines before
// it.
type chunk struct {
	data []byte
	line int
}

// splitDocuments cuts a YAML stream at each line that starts with the
// document marker "---". yaml.v3 cannot resume after a syntax error, so
// decoding each chunk on its own keeps one broken document from hiding
// the ones after it. A "---" line inside a block scalar at column 1 would
// split wrongly; such lines are rare in manifests.
func splitDocuments(data []byte) []chunk {
	var chunks []chunk
	start, startLine := 0, 0
	// Directives such as "%YAML 1.2" belong to the document that follows
	// them: dirStart is where the directives after the last content line
	// begin, or -1.
	dirStart, dirLine := -1, 0
	line := 0
	for pos := 0; pos < len(data); line++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(data)
		}
		text := data[pos:end]
		switch {
		case isDocumentMarker(text):
			at, atLine := pos, line
			if dirStart >= 0 {
				at, atLine = dirStart, dirLine
			}
			if at > start {
				chunks = append(chunks, chunk{data: data[start:at], line: startLine})
				start, startLine = at, atLine
			}
			dirStart = -1
		case len(text) > 0 && text[0] == '%':
			if dirStart < 0 {
				dirStart, dirLine = pos, line
			}
		case !blankOrComment(text):
			dirStart = -1
		}
		pos = next
	}
	if start < len(data) {
		chunks = append(chunks, chunk{data: data[start:], line: startLine})
	}
	return chunks
}

func isDocumentMarker(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	if len(line) == 3 {
		return true
	}
	switch line[3] {
	case ' ', '\t', '\r':
		return true
	}
	return false
}

func blankOrComment(line []byte) bool {
	t := bytes.TrimLeft(line, " \t\r")
	return len(t) == 0 || t[0] == '#'
}

// decodeChunk decodes the documents of one chunk. line is the number of
// lines before the chunk in its stream.
func (d *decoded) decodeChunk(name, origin string, data []byte, line int) {
	defer func() {
		if p := recover(); p != nil {
			d.errors = append(d.errors, Diagnostic{File: name, Line: line + 1, Message: fmt.Sprintf("YAML parser failed: %v", p)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			diag := yamlDiagnostic(name, data, line, err)
			switch {
			case diag.Hint == tabHint:
			case !isPlainOrigin(origin):
				// Rendered output gets the hint that its line numbers
				// count from the start of the output instead.
				diag.Hint = ""
			default:
				if hint := templateSyntaxHint(data, diag.Line-line); hint != "" {
					diag.Hint = hint
					d.templateHinted = true
				}
			}
			d.errors = append(d.errors, diag)
			return
		}
		d.addDocument(name, origin, &doc, line)
	}
}

// templateSyntaxHint returns the hint for a syntax error on errLine,
// counted from 1, of a chunk with template actions, or "". An action that
// names Helm anywhere in the chunk explains the error. Another action
// explains it only when it is on the same line, because text for other
// templating systems can sit in valid strings elsewhere.
func templateSyntaxHint(data []byte, errLine int) string {
	if !bytes.Contains(data, []byte("{{")) {
		return ""
	}
	actions := templateActions(data)
	if a, ok := firstHelmAction(actions); ok {
		return a.hint()
	}
	for _, a := range actions {
		if a.line == errLine {
			return a.hint()
		}
	}
	return ""
}

// tabHint is the hint on a syntax error caused by a tab in indentation.
const tabHint = "YAML forbids tabs for indentation; replace them with spaces"

// yamlDiagnostic turns a yaml.v3 error on a chunk that starts after offset
// lines into a diagnostic with the absolute line of the problem, its
// column when it can be found, and a hint for common mistakes.
func yamlDiagnostic(name string, data []byte, offset int, err error) Diagnostic {
	errLine, msg := splitYAMLError(err)
	if errLine > 0 && yamlParserProblems[msg] {
		errLine++
	}
	diag := Diagnostic{File: name, Line: offset + errLine, Message: "invalid YAML: " + msg}
	if errLine == 0 {
		diag.Line = offset + 1
	}
	if strings.Contains(msg, "tab") || strings.Contains(msg, "cannot start any token") {
		if tabLine, tabCol := nearestTabIndent(data, errLine); tabLine > 0 {
			diag.Line, diag.Column = offset+tabLine, tabCol
			diag.Hint = tabHint
			return diag
		}
	}

	line, column := locateSyntaxError(data, msg)
	// For a parser problem, yaml.v3 names the line where the enclosing
	// structure starts, which can only come before the problem.
	if line == 0 || yamlParserProblems[msg] && line < errLine {
		return diag
	}
	if context := yamlParserContexts[msg]; context != "" && errLine > 0 && line > errLine {
		diag.Message += fmt.Sprintf(" (in the %s that starts on line %d)", context, offset+errLine)
	}
	diag.Line, diag.Column = offset+line, column
	diag.Hint = syntaxHint(data, line, column, msg)
	return diag
}

// yamlParserProblems are the messages of yaml.v3's parser, as opposed to
// its scanner. yaml.v3 v3.0.1 reports the line of a parser error counted
// from 0, and of a scanner error counted from 1.
// IsYAMLParserProblem reports whether a yaml.v3 error message, without its
// "yaml: line N: " prefix, comes from the parser, whose line numbers count
// from 0, rather than from the scanner, whose line numbers count from 1.
func IsYAMLParserProblem(msg string) bool { return yamlParserProblems[msg] }

var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// nearestTabIndent finds the line, counted from 1, whose indentation
// contains a tab and which is nearest to near, and the column of that tab.
// yaml.v3 sometimes reports a tab error on the line before the tab.
func nearestTabIndent(data []byte, near int) (line, column int) {
	best := -1
	n := 0
	for len(data) > 0 {
		n++
		text := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		indent := len(text) - len(bytes.TrimLeft(text, " \t"))
		tab := bytes.IndexByte(text[:indent], '\t')
		if tab < 0 || indent == len(text) || text[indent] == '#' || text[indent] == '\r' {
			continue
		}
		dist := n - near
		if dist < 0 {
			dist = -dist
		}
		if best < 0 || dist < best {
			best, line, column = dist, n, tab+1
		}
	}
	return line, column
}

// addDocument checks the limits of a decoded document, moves its line
// numbers by offset and collects its objects.
func (d *decoded) addDocument(name, origin string, doc *yaml.Node, offset int) {
	c := docChecker{file: name, offset: offset, memo: d.anchorSizes}
	expanded := c.visit(doc, 0)
	d.anchorSizes = c.memo
	for _, p := range c.braces {
		if d.braces == nil {
			d.braces = map[position]bool{}
		}
		d.braces[p] = true
	}
	if c.fail == nil && expanded-c.nodes > MaxAliasExpansion {
		c.fail = &Diagnostic{File: name, Line: doc.Line, Column: doc.Column,
			Message: fmt.Sprintf("YAML aliases expand the document to more than %d nodes", MaxAliasExpansion),
			Hint:    "this is the shape of an alias bomb; expand the aliases by hand if the document is genuine"}
	}
	if c.fail != nil {
		d.errors = append(d.errors, *c.fail)
		return
	}
	d.warnings = append(d.warnings, c.warnings...)

	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = root.Content[0]
	}
	d.collect(name, origin, root)
}

// collect adds the objects of a document's root node, or counts the
// document as skipped.
func (d *decoded) collect(name, origin string, root *yaml.Node) {
	root = deref(root)
	switch {
	case root == nil:
		return
	case root.Kind == yaml.ScalarNode && (root.Tag == "!!null" || root.Value == ""):
		return // an empty document
	case root.Kind == yaml.MappingNode:
		if reason := d.collectMapping(name, origin, root); reason != "" {
			d.skip(reason)
		}
	case root.Kind == yaml.SequenceNode:
		d.collectSequence(name, origin, root)
	default:
		d.skip(SkipNotObject)
	}
}

// collectSequence accepts a top-level sequence of objects, such as a JSON
// array of manifests. Falco rule files are sequences too.
func (d *decoded) collectSequence(name, origin string, seq *yaml.Node) {
	if isFalcoRules(seq) {
		d.skip(SkipFalcoRules)
		return
	}
	var reasons []string
	found := 0
	for _, item := range seq.Content {
		item = deref(item)
		if item == nil || item.Kind != yaml.MappingNode {
			reasons = append(reasons, SkipNotObject)
			continue
		}
		before := len(d.objects)
		if reason := d.collectMapping(name, origin, item); reason != "" {
			reasons = append(reasons, reason)
		}
		found += len(d.objects) - before
	}
	if found == 0 {
		d.skip(SkipNotObject)
		return
	}
	for _, r := range reasons {
		d.skip(r)
	}
}

// collectMapping adds the object of a mapping node, or the items of a List,
// and returns the reason to skip it when it is not an object.
func (d *decoded) collectMapping(name, origin string, n *yaml.Node) string {
	h := readHeader(n)
	if h.apiVersion == "" || h.kind == "" {
		return classifyNonObject(n, h)
	}
	group, _ := splitAPIVersion(h.apiVersion)
	switch {
	case group == "kustomize.config.k8s.io":
		return SkipKustomization
	case testDefinitionGroups[group]:
		return SkipTestDefinition
	case strings.HasSuffix(h.kind, "List") && h.items != nil:
		for _, item := range h.items.Content {
			item = deref(item)
			if item == nil || item.Kind != yaml.MappingNode {
				d.skip(SkipNotObject)
				continue
			}
			if reason := d.collectMapping(name, origin, item); reason != "" {
				d.skip(reason)
			}
		}
		return ""
	}
	o := &Object{
		Ref:    Ref{APIVersion: h.apiVersion, Kind: h.kind, Name: h.name, Namespace: h.namespace},
		Doc:    n,
		Loc:    Location{File: name, Line: n.Line, Column: n.Column},
		Origin: origin,
	}
	d.objects = append(d.objects, o)
	return ""
}

// header is the identifying fields of an object, read in one pass over
// the mapping.
type header struct {
	apiVersion, kind, name, namespace string
	items                             *yaml.Node // the items sequence, if any
}

func readHeader(n *yaml.Node) header {
	var h header
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := deref(n.Content[i+1])
		if v == nil {
			continue
		}
		switch n.Content[i].Value {
		case "apiVersion":
			h.apiVersion = scalarText(v)
		case "kind":
			h.kind = scalarText(v)
		case "items":
			if v.Kind == yaml.SequenceNode {
				h.items = v
			}
		case "metadata":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				switch v.Content[j].Value {
				case "name":
					h.name = scalarText(deref(v.Content[j+1]))
				case "namespace":
					h.namespace = scalarText(deref(v.Content[j+1]))
				}
			}
		}
	}
	return h
}

func scalarText(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// classifyNonObject names what a mapping without apiVersion or kind is.
func classifyNonObject(n *yaml.Node, h header) string {
	has := func(key string) bool {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return true
			}
		}
		return false
	}
	switch {
	case has("title") && has("logsource") && has("detection"):
		return SkipSigmaRule
	case h.apiVersion != "" && h.kind == "" && has("name") && has("version"):
		return SkipChart
	}
	return SkipNotObject
}

// isFalcoRules reports whether a sequence holds Falco rules, macros or
// lists.
func isFalcoRules(seq *yaml.Node) bool {
	for _, item := range seq.Content {
		item = deref(item)
		if item == nil || item.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			switch item.Content[i].Value {
			case "rule", "macro", "list", "required_engine_version", "required_plugin_versions":
				return true
			}
		}
	}
	return false
}

// docChecker walks a decoded document once: it adds the line offset of
// its chunk, and enforces MaxAliases, MaxDepth and MaxAliasExpansion
// without following aliases. It also warns about duplicate keys.
type docChecker struct {
	file     string
	offset   int
	aliases  int
	nodes    int64
	memo     map[*yaml.Node]int64 // expanded size of each anchored node, -1 while it is being walked
	fail     *Diagnostic
	warnings []Diagnostic
	braces   []position // flow mappings that open with "{{"
}

// expansionCap keeps expanded sizes from overflowing int64.
const expansionCap = int64(1) << 50

// visit returns the number of nodes n expands to when every alias is
// replaced by its anchor.
func (c *docChecker) visit(n *yaml.Node, depth int) int64 {
	if c.fail != nil {
		return 0
	}
	n.Line += c.offset
	c.nodes++
	if depth > MaxDepth {
		c.fail = &Diagnostic{File: c.file, Line: n.Line, Column: n.Column,
			Message: fmt.Sprintf("the document is nested more than %d levels deep", MaxDepth)}
		return 0
	}
	if n.Kind == yaml.AliasNode {
		c.aliases++
		if c.aliases > MaxAliases {
			c.fail = &Diagnostic{File: c.file, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("the document has more than %d YAML aliases", MaxAliases),
				Hint:    "expand the aliases or split the document"}
			return 0
		}
		size, ok := c.memo[n.Alias]
		switch {
		case !ok:
			return 1
		case size < 0:
			c.fail = &Diagnostic{File: c.file, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("alias *%s refers to a node that contains it", n.Value),
				Hint:    "recursive YAML documents cannot be Kubernetes objects"}
			return 0
		}
		return size
	}
	if n.Anchor != "" {
		if c.memo == nil {
			c.memo = map[*yaml.Node]int64{}
		}
		c.memo[n] = -1
	}
	size := int64(1)
	for _, child := range n.Content {
		size += c.visit(child, depth+1)
		if size > expansionCap {
			size = expansionCap
		}
	}
	if n.Kind == yaml.MappingNode && len(n.Content) >= 4 && c.fail == nil {
		c.checkDuplicates(n)
	}
	if isDoubleBrace(n) && len(c.braces) < maxTemplateActions {
		c.braces = append(c.braces, position{n.Line, n.Column})
	}
	if n.Anchor != "" {
		c.memo[n] = size
	}
	return size
}

// isDoubleBrace reports whether n is a flow mapping whose first key is a
// flow mapping that opens right after it, as "{{" does. Both positions
// must already include the chunk's line offset.
func isDoubleBrace(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle == 0 || len(n.Content) == 0 {
		return false
	}
	key := n.Content[0]
	return key.Kind == yaml.MappingNode && key.Style&yaml.FlowStyle != 0 &&
		key.Line == n.Line && key.Column == n.Column+1
}

// checkDuplicates warns about a key that appears twice in a mapping.
// Checks read the first occurrence, while a JSON decoder such as the API
// server's keeps the last one, so a duplicate can hide a setting.
func (c *docChecker) checkDuplicates(n *yaml.Node) {
	pairs := len(n.Content) / 2
	report := func(first, dup *yaml.Node) {
		c.warnings = append(c.warnings, Diagnostic{File: c.file, Line: dup.Line, Column: dup.Column,
			Message: fmt.Sprintf("duplicate key %q, first defined on line %d", dup.Value, first.Line),
			Hint:    "checks read the first value and the API server the last; remove one of them"})
	}
	if pairs <= 16 {
		for i := 1; i < pairs; i++ {
			k := n.Content[2*i]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				continue
			}
			for j := 0; j < i; j++ {
				if prev := n.Content[2*j]; prev.Kind == yaml.ScalarNode && prev.Value == k.Value {
					report(prev, k)
					break
				}
			}
		}
		return
	}
	seen := make(map[string]*yaml.Node, pairs)
	for i := 0; i < pairs; i++ {
		k := n.Content[2*i]
		if k.Kind != yaml.ScalarNode || k.Value == "<<" {
			continue
		}
		if prev, ok := seen[k.Value]; ok {
			report(prev, k)
			continue
		}
		seen[k.Value] = k
	}
}
