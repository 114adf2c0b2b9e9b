// Package config reads the kubethreat configuration file, .kubethreat.yaml:
// exceptions that suppress findings for named objects until a date, and the
// settings that tune checks.
//
// The file's grammar:
//
//	allowedRegistries:          # image registry prefixes images may come from
//	  - registry.example.com/
//	exceptions:
//	  - check: pod-privileged   # a check ID, required
//	    match:                  # every field is optional; empty matches any
//	      kind: DaemonSet       # compared without regard to case
//	      namespace: monitoring # a glob, as in path.Match
//	      name: node-exporter*  # a glob, as in path.Match
//	    reason: reads host metrics; reviewed by the platform team  # required
//	    expires: 2026-12-31     # optional, YYYY-MM-DD; the exception holds through that day
//
// Unknown fields are errors, so that a misspelt key never silently turns
// an exception off.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// DefaultFile is the name of the configuration file that a scan reads from
// the working directory when no --config flag is given.
const DefaultFile = ".kubethreat.yaml"

// DateLayout is the layout of an exception's expiry date.
const DateLayout = "2006-01-02"

// File is a parsed configuration file.
type File struct {
	Path              string      `yaml:"-" json:"-"`
	AllowedRegistries []string    `yaml:"allowedRegistries,omitempty" json:"allowedRegistries,omitempty"`
	Exceptions        []Exception `yaml:"exceptions,omitempty" json:"exceptions,omitempty"`
}

// Exception suppresses the failing findings of one check on the objects it
// matches.
type Exception struct {
	Check   string `yaml:"check" json:"check"`
	Match   Match  `yaml:"match,omitempty" json:"match,omitempty"`
	Reason  string `yaml:"reason" json:"reason"`
	Expires string `yaml:"expires,omitempty" json:"expires,omitempty"` // YYYY-MM-DD, inclusive

	// Line is the exception's line in the file, for messages.
	Line int `yaml:"-" json:"-"`
}

// Match selects objects. An empty field matches every value.
type Match struct {
	Kind      string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	Name      string `yaml:"name,omitempty" json:"name,omitempty"`
}

// Load reads and parses a configuration file.
func Load(file string) (*File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	return Parse(file, data)
}

// Parse parses the configuration in data, read from the file name. The
// error lists every problem in the file, each with its line and field.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Path: name}
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		if errors.Is(err, io.EOF) {
			return f, nil // only comments
		}
		return nil, fmt.Errorf("%s: invalid configuration: %s", name, explainYAMLError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: invalid configuration: the file must contain one YAML document", name)
	}
	f.Path = name
	f.setLines(data)

	if errs := f.validate(); len(errs) > 0 {
		return nil, fmt.Errorf("%s: invalid configuration:\n  %s", name, strings.Join(errs, "\n  "))
	}
	return f, nil
}

// setLines records the line of each exception, read from a node tree of
// the same data that the strict decode has accepted.
func (f *File) setLines(data []byte) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "exceptions" {
			continue
		}
		for j, item := range root.Content[i+1].Content {
			if j < len(f.Exceptions) {
				f.Exceptions[j].Line = item.Line
			}
		}
	}
}

// validate returns every problem in the file, each naming its field.
func (f *File) validate() []string {
	var errs []string
	add := func(line int, field, format string, args ...any) {
		msg := field + ": " + fmt.Sprintf(format, args...)
		if line > 0 {
			msg = fmt.Sprintf("line %d: %s", line, msg)
		}
		errs = append(errs, msg)
	}
	for i, r := range f.AllowedRegistries {
		if strings.TrimSpace(r) == "" {
			add(0, fmt.Sprintf("allowedRegistries[%d]", i), "empty registry prefix; remove the entry")
		}
	}
	for i, e := range f.Exceptions {
		field := fmt.Sprintf("exceptions[%d]", i)
		if strings.TrimSpace(e.Check) == "" {
			add(e.Line, field+".check", "missing; name the check ID to suppress")
		}
		if strings.TrimSpace(e.Reason) == "" {
			add(e.Line, field+".reason", "missing; say why the finding is accepted")
		}
		if e.Expires != "" {
			if _, err := time.Parse(DateLayout, e.Expires); err != nil {
				add(e.Line, field+".expires", "%q is not a date in the form YYYY-MM-DD", e.Expires)
			}
		}
		for _, g := range []struct{ name, pattern string }{
			{"kind", e.Match.Kind}, {"namespace", e.Match.Namespace}, {"name", e.Match.Name},
		} {
			if _, err := path.Match(g.pattern, ""); err != nil {
				add(e.Line, field+".match."+g.name, "invalid glob %q", g.pattern)
			}
		}
	}
	return errs
}

// CheckConfig returns the settings that checks read.
func (f *File) CheckConfig() check.Config {
	if f == nil {
		return check.Config{}
	}
	return check.Config{AllowedRegistries: f.AllowedRegistries}
}

// Expired reports whether the exception no longer applies on the date
// today. An exception holds through its expiry date, in the time zone of
// today.
func (e Exception) Expired(today time.Time) bool {
	return e.Expires != "" && today.Format(DateLayout) > e.Expires
}

// Matches reports whether the exception's match selects the object.
func (m Match) Matches(ref source.Ref) bool {
	return glob(strings.ToLower(m.Kind), strings.ToLower(ref.Kind)) &&
		glob(m.Namespace, ref.Namespace) &&
		glob(m.Name, ref.Name)
}

func glob(pattern, value string) bool {
	if pattern == "" {
		return true
	}
	ok, err := path.Match(pattern, value)
	return err == nil && ok
}

// String describes an exception for messages, such as
// "pod-privileged for DaemonSet monitoring/node-exporter*".
func (e Exception) String() string {
	return e.Check + " for " + e.Match.String()
}

// String describes the objects a match selects, such as
// "DaemonSet monitoring/node-exporter*" or "every object".
func (m Match) String() string {
	var parts []string
	if m.Kind != "" {
		parts = append(parts, m.Kind)
	}
	switch {
	case m.Namespace != "" && m.Name != "":
		parts = append(parts, m.Namespace+"/"+m.Name)
	case m.Namespace != "":
		parts = append(parts, "namespace "+m.Namespace)
	case m.Name != "":
		parts = append(parts, m.Name)
	}
	if len(parts) == 0 {
		return "every object"
	}
	return strings.Join(parts, " ")
}

var (
	unknownField = regexp.MustCompile(`field (\S+) not found in type ([\w.]+)`)
	wrongType    = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: `[^`]*`)? into (\\S+)")
)

// explainYAMLError rewords the YAML decoder's messages about unknown fields
// and wrong types in the words of the configuration file.
func explainYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	msg = unknownField.ReplaceAllStringFunc(msg, func(m string) string {
		parts := unknownField.FindStringSubmatch(m)
		fields := map[string]string{
			"config.File":      "the file takes allowedRegistries and exceptions",
			"config.Exception": "an exception takes check, match, reason and expires",
			"config.Match":     "match takes kind, namespace and name",
		}[parts[2]]
		if fields == "" {
			return "unknown field " + parts[1]
		}
		return "unknown field " + parts[1] + "; " + fields
	})
	return wrongType.ReplaceAllStringFunc(msg, func(m string) string {
		parts := wrongType.FindStringSubmatch(m)
		want := "a " + strings.TrimPrefix(parts[2], "config.")
		switch {
		case strings.HasPrefix(parts[2], "[]"):
			want = "a list"
		case strings.HasPrefix(parts[2], "map"), strings.HasPrefix(parts[2], "config."):
			want = "a mapping"
		}
		return fmt.Sprintf("expected %s, found a %s", want, map[string]string{"str": "string", "int": "number", "bool": "boolean", "map": "mapping", "seq": "list"}[parts[1]])
	})
}
