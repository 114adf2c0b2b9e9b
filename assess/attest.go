package assess

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/matrix"
)

// An attestation file records what the tools cannot see: mitigations a
// team has put in place outside the scanned objects, and detections that
// run in tools kubethreat does not import.
//
//	mitigations:
//	  - id: MS-M9013
//	    status: in_place        # in_place, partial or planned
//	    owner: platform-team
//	    date: 2025-01-10        # YYYY-MM-DD
//	    note: Kyverno policy restrict-privileged on every cluster
//	detections:
//	  - technique: MS-TA9003
//	    name: SIEM rule "kubeconfig read on a node"
//	    owner: soc
//	    date: 2025-02-01
//	    note: reviewed quarterly

// Attestation statuses of a mitigation.
const (
	AttestInPlace = "in_place"
	AttestPartial = "partial"
	AttestPlanned = "planned"
)

// MitigationAttestation is a team's statement about one mitigation.
type MitigationAttestation struct {
	ID     string `json:"id" yaml:"id"`
	Status string `json:"status" yaml:"status"`
	Owner  string `json:"owner,omitempty" yaml:"owner"`
	Date   string `json:"date,omitempty" yaml:"date"`
	Note   string `json:"note,omitempty" yaml:"note"`
	Source string `json:"source" yaml:"-"` // file:line
}

// DetectionAttestation is a detection that runs outside the imported rule
// files.
type DetectionAttestation struct {
	Technique string `json:"technique" yaml:"technique"`
	Name      string `json:"name" yaml:"name"`
	Owner     string `json:"owner,omitempty" yaml:"owner"`
	Date      string `json:"date,omitempty" yaml:"date"`
	Note      string `json:"note,omitempty" yaml:"note"`
	Source    string `json:"source" yaml:"-"` // file:line
}

// Attestations is the content of an attestation file.
type Attestations struct {
	Mitigations []MitigationAttestation `json:"mitigations"`
	Detections  []DetectionAttestation  `json:"detections"`
}

// AttestationError is one problem in an attestation file.
type AttestationError struct {
	File    string
	Line    int
	Message string
}

func (e *AttestationError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
}

// ReadAttestations reads and validates an attestation file. It returns
// every problem at once, joined, each an *AttestationError with its line.
func ReadAttestations(m *matrix.Matrix, file string) (*Attestations, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading attestations: %w", err)
	}
	return ParseAttestations(m, file, data)
}

// ParseAttestations parses and validates the content of an attestation
// file named file.
func ParseAttestations(m *matrix.Matrix, file string, data []byte) (*Attestations, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &AttestationError{File: file, Line: 1, Message: "invalid YAML: " + err.Error()}
	}
	v := &attestValidator{m: m, file: file}
	a := &Attestations{}
	if len(root.Content) == 0 {
		return a, nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &AttestationError{File: file, Line: doc.Line, Message: "an attestation file is a mapping with mitigations and detections lists"}
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		switch key.Value {
		case "mitigations":
			a.Mitigations = v.mitigations(val)
		case "detections":
			a.Detections = v.detections(val)
		default:
			v.errorf(key.Line, "unknown key %q; use mitigations and detections", key.Value)
		}
	}
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return a, nil
}

type attestValidator struct {
	m    *matrix.Matrix
	file string
	errs []error
}

func (v *attestValidator) errorf(line int, format string, args ...any) {
	v.errs = append(v.errs, &AttestationError{File: v.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (v *attestValidator) source(n *yaml.Node) string { return fmt.Sprintf("%s:%d", v.file, n.Line) }

// items returns the entries of a list, checking each is a mapping whose
// keys are allowed.
func (v *attestValidator) items(list *yaml.Node, what string, allowed ...string) []*yaml.Node {
	if list.Kind != yaml.SequenceNode {
		v.errorf(list.Line, "%s must be a list", what)
		return nil
	}
	var out []*yaml.Node
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			v.errorf(item.Line, "each entry of %s must be a mapping", what)
			continue
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			if k := item.Content[i]; !contains(allowed, k.Value) {
				v.errorf(k.Line, "unknown key %q in %s; use %s", k.Value, what, strings.Join(allowed, ", "))
			}
		}
		out = append(out, item)
	}
	return out
}

func (v *attestValidator) mitigations(list *yaml.Node) []MitigationAttestation {
	var out []MitigationAttestation
	seen := map[string]int{}
	for _, item := range v.items(list, "mitigations", "id", "status", "owner", "date", "note") {
		var a MitigationAttestation
		if err := item.Decode(&a); err != nil {
			v.errorf(item.Line, "invalid mitigation attestation: %v", err)
			continue
		}
		a.Source = v.source(item)
		a.ID = strings.ToUpper(strings.TrimSpace(a.ID))
		line := fieldLine(item, "id")
		if x, ok := v.m.Mitigation(a.ID); !ok {
			v.errorf(line, "unknown mitigation ID %q%s", a.ID, v.suggest(a.ID, "MS-M"))
		} else {
			a.ID = x.ID
		}
		if prev, dup := seen[a.ID]; dup {
			v.errorf(line, "mitigation %s is attested twice (first at line %d)", a.ID, prev)
		}
		seen[a.ID] = line
		switch a.Status {
		case AttestInPlace, AttestPartial, AttestPlanned:
		default:
			v.errorf(fieldLine(item, "status"), "invalid status %q for %s; use in_place, partial or planned", a.Status, a.ID)
		}
		v.checkDate(item, a.Date)
		out = append(out, a)
	}
	return out
}

func (v *attestValidator) detections(list *yaml.Node) []DetectionAttestation {
	var out []DetectionAttestation
	for _, item := range v.items(list, "detections", "technique", "name", "owner", "date", "note") {
		var a DetectionAttestation
		if err := item.Decode(&a); err != nil {
			v.errorf(item.Line, "invalid detection attestation: %v", err)
			continue
		}
		a.Source = v.source(item)
		a.Technique = strings.ToUpper(strings.TrimSpace(a.Technique))
		line := fieldLine(item, "technique")
		if t, ok := v.m.Technique(a.Technique); ok {
			a.Technique = t.ID
		} else if r, retired := v.m.RetiredID(a.Technique); retired {
			v.errorf(line, "technique %s is retired; use %s", a.Technique, r.Successor)
		} else {
			v.errorf(line, "unknown technique ID %q%s", a.Technique, v.suggest(a.Technique, "MS-TA"))
		}
		if strings.TrimSpace(a.Name) == "" {
			v.errorf(item.Line, "detection for %s has no name; name the rule or alert", a.Technique)
		}
		v.checkDate(item, a.Date)
		out = append(out, a)
	}
	return out
}

func (v *attestValidator) checkDate(item *yaml.Node, date string) {
	if date == "" {
		return
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		v.errorf(fieldLine(item, "date"), "invalid date %q; use YYYY-MM-DD", date)
	}
}

// suggest returns "; did you mean X?" with known IDs of the same kind.
func (v *attestValidator) suggest(id, prefix string) string {
	var out []string
	for _, s := range v.m.Suggest(id, 10) {
		if strings.HasPrefix(s, prefix) && len(out) < 3 {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(out, ", ") + "?"
}

// fieldLine returns the line of a key's value in a mapping node, or the
// mapping's own line.
func fieldLine(item *yaml.Node, key string) int {
	for i := 0; i+1 < len(item.Content); i += 2 {
		if item.Content[i].Value == key {
			return item.Content[i+1].Line
		}
	}
	return item.Line
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
