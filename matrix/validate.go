package matrix

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	techniqueID        = regexp.MustCompile(`^MS-TA9\d{3}$`)
	mitigationID       = regexp.MustCompile(`^MS-M9\d{3}(\.\d{3})?$`)
	attackTechniqueID  = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	attackMitigationID = regexp.MustCompile(`^M\d{4}$`)
	attackTacticID     = regexp.MustCompile(`^TA\d{4}$`)
	slugPattern        = regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	versions           = map[string]bool{"v1": true, "v2": true, "v3": true}
	changeKinds        = map[string]bool{"added": true, "removed": true, "merged": true, "renamed": true, "placed": true}
	changeBases        = map[string]bool{"reference": true, "recollection": true}
)

// validate checks the rules that make the knowledge base consistent once
// every reference is resolved. It returns one error for each broken rule.
func validate(m *Matrix) []error {
	var errs []error
	fail := func(file, field, format string, args ...any) {
		errs = append(errs, &ContentError{File: file, Field: field, Err: fmt.Errorf(format, args...)})
	}

	for _, t := range m.Techniques {
		if !techniqueID.MatchString(t.ID) {
			fail(t.File, "id", "malformed technique ID %q; expected MS-TA9 and three digits", t.ID)
		}
		if strings.TrimSpace(t.Name) == "" {
			fail(t.File, "name", "missing name")
		}
		if !versions[t.Since] {
			fail(t.File, "since", "unknown matrix version %q; expected v1, v2 or v3", t.Since)
		}
		if t.SitePath == "" {
			fail(t.File, "site_path", "missing upstream page path")
		}
		if len(t.Tactics) == 0 {
			fail(t.File, "id", "technique %s is not placed under any tactic; list it in a tactic file", t.ID)
		}
		if len(t.Mitigations) == 0 {
			fail(t.File, "mitigations", "technique %s has no mitigation", t.ID)
		}
		if len(t.DataComponents) == 0 {
			fail(t.File, "data_components", "technique %s names no ATT&CK data component", t.ID)
		}
	}

	for _, x := range m.Mitigations {
		if !mitigationID.MatchString(x.ID) {
			fail(x.File, "id", "malformed mitigation ID %q; expected MS-M9 and three digits, with an optional .NNN", x.ID)
		}
		if strings.TrimSpace(x.Name) == "" {
			fail(x.File, "name", "missing name")
		}
		if len(x.Techniques) == 0 {
			fail(x.File, "id", "mitigation %s addresses no technique; link it from a technique file", x.ID)
		}
		if x.Parent != nil && !strings.HasPrefix(x.ID, x.Parent.ID+".") {
			fail(x.File, "parent", "sub-mitigation %s does not extend its parent's ID %s", x.ID, x.Parent.ID)
		}
		if x.Parent == nil && strings.Contains(x.ID, ".") {
			fail(x.File, "parent", "sub-mitigation %s has no parent", x.ID)
		}
		if !versions[x.Since] {
			fail(x.File, "since", "unknown matrix version %q; expected v1, v2 or v3", x.Since)
		}
	}

	for i, tac := range m.Tactics {
		if tac.Order != i+1 {
			fail(tac.File, "order", "tactic order %d is out of sequence; expected %d", tac.Order, i+1)
		}
		if !slugPattern.MatchString(tac.Slug) {
			fail(tac.File, "slug", "malformed slug %q; use lower-case words joined by hyphens", tac.Slug)
		}
		if len(tac.Techniques) == 0 {
			fail(tac.File, "techniques", "tactic %q has no techniques", tac.Name)
		}
		if tac.Summary == "" {
			fail(tac.File, "summary", "missing summary paragraph")
		}
	}

	for i, rel := range m.History {
		field := fmt.Sprintf("[%d]", i)
		if !versions[rel.Version] {
			fail("history.yaml", field+".version", "unknown matrix version %q", rel.Version)
		}
		for j, c := range rel.Changes {
			cf := fmt.Sprintf("%s.changes[%d]", field, j)
			if !changeKinds[c.Kind] {
				fail("history.yaml", cf+".kind", "unknown change kind %q; expected added, removed, merged, renamed or placed", c.Kind)
			}
			if !changeBases[c.Basis] {
				fail("history.yaml", cf+".basis", "unknown basis %q; expected reference or recollection", c.Basis)
			}
			if c.Technique != "" {
				_, known := m.techniques[c.Technique]
				_, retired := m.retired[c.Technique]
				if !known && !retired {
					fail("history.yaml", cf+".technique", "unknown technique %q", c.Technique)
				}
			}
			if c.Tactic != "" {
				if _, ok := m.Tactic(c.Tactic); !ok {
					fail("history.yaml", cf+".tactic", "unknown tactic %q", c.Tactic)
				}
			}
			if c.Into != "" {
				if _, ok := m.techniques[c.Into]; !ok {
					fail("history.yaml", cf+".into", "unknown technique %q", c.Into)
				}
			}
		}
	}
	return errs
}
