package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/matrix"
)

// MaxFileSize is the largest rule file read, in bytes. Larger files are
// reported as errors and skipped.
const MaxFileSize = 32 << 20

// ruleExtensions are the file name endings read when walking a folder. A
// file named directly is read whatever its name.
var ruleExtensions = map[string]bool{".yaml": true, ".yml": true, ".toml": true, ".json": true, ".csv": true}

// Importer reads rule files and maps their rules with a knowledge base.
type Importer struct {
	Matrix *matrix.Matrix
}

// Import reads the files and folders with the embedded knowledge base. See
// Importer.Import.
func Import(paths []string) (*Set, []Diagnostic) {
	m, err := matrix.Default()
	if err != nil {
		return &Set{}, []Diagnostic{{Severity: SeverityError, Message: "loading the knowledge base: " + err.Error()}}
	}
	return (&Importer{Matrix: m}).Import(paths)
}

// Import reads every rule file under the paths, in order: each path as
// given, and the files in a folder in lexical order. The format of a file
// is detected from its content and extension. A file that cannot be read
// or parsed gives an error diagnostic and the other files still import.
// Falco files share one rule namespace in that order, so a later file can
// append to, override or disable a rule of an earlier one.
func (im *Importer) Import(paths []string) (*Set, []Diagnostic) {
	files, diags := listFiles(paths)
	st := &importState{mapper: newMapper(im.Matrix), set: &Set{}, order: map[string]int{}}
	st.falco = newFalcoLoader(st)
	st.diags = diags
	for i, f := range files {
		st.order[f] = i
		st.importFile(f)
	}
	st.falco.finish()
	st.sortRules()
	return st.set, st.diags
}

// importState carries one import: the mapper, the Falco rule namespace and
// what has been collected so far.
type importState struct {
	mapper *mapper
	falco  *falcoLoader
	set    *Set
	diags  []Diagnostic
	order  map[string]int // file path to its position in the input
}

func (st *importState) errorf(file string, line int, format string, args ...any) {
	st.diags = append(st.diags, Diagnostic{File: file, Line: line, Severity: SeverityError, Message: fmt.Sprintf(format, args...)})
}

func (st *importState) warnf(file string, line int, format string, args ...any) {
	st.diags = append(st.diags, Diagnostic{File: file, Line: line, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)})
}

func (st *importState) skip(file, reason string) {
	st.set.Skipped = append(st.set.Skipped, Skipped{File: file, Reason: reason})
}

// addRule finishes a rule (unmapped reason, mapping order) and adds it.
func (st *importState) addRule(r Rule) {
	explainUnmapped(&r)
	r.sortMappings()
	st.set.Rules = append(st.set.Rules, r)
}

// sortRules puts the rules in input order: by file position, then line.
// Falco rules are added when every file has been read, so they need it.
func (st *importState) sortRules() {
	sort.SliceStable(st.set.Rules, func(i, j int) bool {
		a, b := st.set.Rules[i], st.set.Rules[j]
		if st.order[a.Source] != st.order[b.Source] {
			return st.order[a.Source] < st.order[b.Source]
		}
		return a.Line < b.Line
	})
}

// listFiles expands the paths into files. Folders are walked in lexical
// order, skipping hidden folders and files whose extension is not one of
// ruleExtensions.
func listFiles(paths []string) ([]string, []Diagnostic) {
	var files []string
	var diags []Diagnostic
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			diags = append(diags, Diagnostic{File: p, Severity: SeverityError, Message: "cannot read rules: " + err.Error()})
			continue
		}
		if !info.IsDir() {
			add(p)
			continue
		}
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				diags = append(diags, Diagnostic{File: f, Severity: SeverityError, Message: "cannot read rules: " + err.Error()})
				return nil
			}
			if d.IsDir() {
				if f != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if ruleExtensions[strings.ToLower(filepath.Ext(f))] {
				add(f)
			}
			return nil
		})
		if err != nil {
			diags = append(diags, Diagnostic{File: p, Severity: SeverityError, Message: "cannot walk folder: " + err.Error()})
		}
	}
	return files, diags
}

// importFile reads one file, detects its format and imports its rules.
func (st *importState) importFile(file string) {
	data, err := readLimited(file)
	if err != nil {
		st.errorf(file, 0, "%v", err)
		return
	}
	st.importData(file, data)
}

// importData imports the content of one file, named file.
func (st *importState) importData(file string, data []byte) {
	// Rule files are text, so a NUL byte near the start means a binary
	// file, which gets that error rather than a misleading parser message.
	ext := strings.ToLower(filepath.Ext(file))
	if bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
		switch ext {
		case ".yaml", ".yml", ".json", ".toml", ".csv":
			st.errorf(file, 0, "binary file, not a rule file; remove it from the --rules paths")
		default:
			st.skip(file, "binary file")
		}
		return
	}
	switch ext {
	case ".toml":
		st.importTOML(file, data)
		return
	case ".csv":
		st.importMappingCSV(file, data)
		return
	}
	docs, line, err := decodeYAMLDocuments(data)
	if err != nil && ext == ".json" && isJSONLines(data) {
		st.skip(file, "JSON Lines (such as audit events), not detection rules")
		return
	}
	if err != nil {
		if ext == ".yaml" || ext == ".yml" || ext == ".json" {
			st.errorf(file, line, "invalid YAML: %v", err)
		} else {
			st.skip(file, "not YAML, TOML or CSV")
		}
		return
	}
	switch format := classifyYAML(docs); format {
	case FormatFalco:
		st.falco.load(file, docs)
	case FormatSigma:
		st.importSigma(file, docs)
	case FormatSplunk:
		st.importSplunk(file, docs)
	case FormatMapping:
		st.importMappingYAML(file, docs)
	case "":
		st.skip(file, "empty file")
	default:
		st.skip(file, format)
	}
}

// readLimited reads a file of at most MaxFileSize bytes.
func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read rules: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read rules: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file is larger than %d MiB; split it or remove what is not rules", MaxFileSize>>20)
	}
	return data, nil
}

var yamlLinePattern = regexp.MustCompile(`line (\d+)`)

// decodeYAMLDocuments decodes every document of a YAML stream. On error it
// returns the line the parser named, if any.
func decodeYAMLDocuments(data []byte) ([]*yaml.Node, int, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, 0, nil
		}
		if err != nil {
			line := 0
			if m := yamlLinePattern.FindStringSubmatch(err.Error()); m != nil {
				fmt.Sscan(m[1], &line)
			}
			return nil, line, err
		}
		if len(n.Content) > 0 {
			docs = append(docs, n.Content[0])
		}
	}
}

// isJSONLines reports whether every non-empty line of data is a JSON value.
func isJSONLines(data []byte) bool {
	lines := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			return false
		}
		lines++
	}
	return lines > 0
}

// classifyYAML returns the rule format of a YAML stream, "" for an empty
// one, or a sentence saying why it holds no rules.
func classifyYAML(docs []*yaml.Node) string {
	if len(docs) == 0 {
		return ""
	}
	first := docs[0]
	switch first.Kind {
	case yaml.SequenceNode:
		if isFalcoList(first) {
			return FormatFalco
		}
		return "a YAML list without Falco rule, macro or list items"
	case yaml.MappingNode:
	default:
		return "not a YAML mapping or list"
	}
	switch {
	case mapValue(first, "kubethreat") != nil:
		return FormatMapping
	case mapValue(first, "detection") != nil || scalar(mapValue(first, "action")) == "global" ||
		(mapValue(first, "title") != nil && mapValue(first, "logsource") != nil):
		return FormatSigma
	case isSplunk(first):
		return FormatSplunk
	case mapValue(first, "apiVersion") != nil && mapValue(first, "kind") != nil:
		return "a Kubernetes object, not detection rules"
	}
	return "no Falco, Sigma, Splunk or kubethreat mapping structure"
}

func isFalcoList(seq *yaml.Node) bool {
	for _, item := range seq.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		for _, key := range []string{"rule", "macro", "list", "required_engine_version", "required_plugin_versions"} {
			if mapValue(item, key) != nil {
				return true
			}
		}
	}
	return false
}

func isSplunk(doc *yaml.Node) bool {
	tags := mapValue(doc, "tags")
	if tags != nil && mapValue(tags, "mitre_attack_id") != nil {
		return true
	}
	return mapValue(doc, "search") != nil && mapValue(doc, "name") != nil
}

// mapValue returns the value of a key in a YAML mapping, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalar returns the value of a scalar node, or "" for anything else.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// scalars returns the string items of a sequence node, or the value of a
// scalar node as a one-item list.
func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" || n.Value == "" {
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, item := range n.Content {
			if item.Kind == yaml.ScalarNode && item.Tag != "!!null" {
				out = append(out, item.Value)
			}
		}
		return out
	}
	return nil
}
