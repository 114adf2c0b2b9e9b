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
// an exception off. Parse reports every problem in the file at once, each
// at the line and column of the key or value at fault.
package config

import (
	"fmt"
	"os"
	"path"
	"strings"
	"time"

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

// Load reads and parses a configuration file. When knownChecks is given,
// every exception must name one of those check IDs. The error from a file
// that is read but invalid is an *Error that lists every problem found.
func Load(file string, knownChecks ...string) (*File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	return Parse(file, data, knownChecks...)
}

// Parse parses the configuration in data, read from the file name. When
// knownChecks is given, every exception must name one of those check IDs.
// An invalid file yields an *Error that lists every problem in the file,
// each with its line, column and field, and no *File.
func Parse(name string, data []byte, knownChecks ...string) (*File, error) {
	p := &parser{file: name, knownChecks: knownChecks}
	f := p.parse(data)
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return f, nil
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
