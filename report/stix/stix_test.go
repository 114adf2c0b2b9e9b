package stix

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/matrix"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func testMatrix(t *testing.T) *matrix.Matrix {
	t.Helper()
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func bundleJSON(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, testMatrix(t)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUUIDv5KnownVector(t *testing.T) {
	dns := mustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	if got := uuidV5(dns, "www.example.com"); got != "2ed6657d-e927-568b-95e1-2665a8aea6a2" {
		t.Errorf("uuidV5(DNS, www.example.com) = %s, want the RFC 4122 value 2ed6657d-e927-568b-95e1-2665a8aea6a2", got)
	}
}

func TestBundleIsDeterministic(t *testing.T) {
	if !bytes.Equal(bundleJSON(t), bundleJSON(t)) {
		t.Error("two builds of the same matrix differ")
	}
	if got := ID("attack-pattern", "MS-TA9018"); got != ID("attack-pattern", "MS-TA9018") || !strings.HasPrefix(got, "attack-pattern--") {
		t.Errorf("ID = %s", got)
	}
}

func TestBundleGolden(t *testing.T) {
	got := bundleJSON(t)
	path := filepath.Join("testdata", "matrix.stix.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Error("bundle differs from testdata/matrix.stix.golden.json; run go test -update and review the diff")
	}
}

func TestBundleValidSTIX21(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(bundleJSON(t), &doc); err != nil {
		t.Fatal(err)
	}
	for _, problem := range validateBundle(doc) {
		t.Error(problem)
	}
}

func TestValidatorRejectsBadObjects(t *testing.T) {
	good := func() map[string]any {
		var doc map[string]any
		if err := json.Unmarshal(bundleJSON(t), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	objects := func(doc map[string]any) []any { return doc["objects"].([]any) }
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		want   string
	}{
		{"spec version", func(d map[string]any) { objects(d)[3].(map[string]any)["spec_version"] = "2.0" }, "spec_version"},
		{"uuid v1", func(d map[string]any) {
			objects(d)[3].(map[string]any)["id"] = "x-mitre-tactic--6ba7b810-9dad-11d1-80b4-00c04fd430c8"
		}, "UUIDv4 or UUIDv5"},
		{"seconds only", func(d map[string]any) { objects(d)[3].(map[string]any)["created"] = "2023-01-23T00:00:00Z" }, "millisecond"},
		{"dangling ref", func(d map[string]any) {
			objects(d)[2].(map[string]any)["tactic_refs"] = []any{"x-mitre-tactic--00000000-0000-4000-8000-000000000000"}
		}, "not in the bundle"},
		{"external reference", func(d map[string]any) {
			objects(d)[3].(map[string]any)["external_references"] = []any{map[string]any{"source_name": "x"}}
		}, "external reference"},
		{"phase name", func(d map[string]any) {
			for _, o := range objects(d) {
				if o.(map[string]any)["type"] == "attack-pattern" {
					o.(map[string]any)["kill_chain_phases"] = []any{map[string]any{"kill_chain_name": KillChainName, "phase_name": "nowhere"}}
					return
				}
			}
		}, "no tactic"},
		{"property name", func(d map[string]any) { objects(d)[3].(map[string]any)["Bad-Name"] = "x" }, "property name"},
		{"bundle spec version", func(d map[string]any) { d["spec_version"] = "2.1" }, "bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := good()
			tt.mutate(doc)
			problems := validateBundle(doc)
			found := false
			for _, p := range problems {
				if strings.Contains(p, tt.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem mentioning %q; got %v", tt.want, problems)
			}
		})
	}
}

func TestBundleContents(t *testing.T) {
	m := testMatrix(t)
	b := Build(m)
	counts := map[string]int{}
	for _, o := range b.Objects {
		var head struct {
			Type string `json:"type"`
		}
		data, _ := json.Marshal(o)
		_ = json.Unmarshal(data, &head)
		counts[head.Type]++
	}
	links := 0
	for _, t := range m.Techniques {
		links += len(t.Mitigations)
	}
	want := map[string]int{"identity": 1, "marking-definition": 1, "x-mitre-matrix": 1, "x-mitre-tactic": len(m.Tactics),
		"attack-pattern": len(m.Techniques), "course-of-action": len(m.Mitigations), "relationship": links}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%d %s objects, want %d", counts[typ], typ, n)
		}
	}
	var privileged AttackPattern
	for _, o := range b.Objects {
		if ap, ok := o.(AttackPattern); ok && ap.ExternalReferences[0].ExternalID == "MS-TA9018" {
			privileged = ap
		}
	}
	if privileged.Name != "Privileged container" || privileged.KillChainPhases[0].PhaseName != "privilege-escalation" ||
		privileged.ExternalReferences[1].ExternalID != "T1610" || privileged.ExternalReferences[0].URL != SiteBase+"techniques/Privileged%20container/" {
		t.Errorf("MS-TA9018 = %+v", privileged)
	}
}

// validateBundle checks a bundle against the STIX 2.1 specification
// (OASIS STIX Version 2.1, sections 2 to 7) for the object types kubethreat
// writes, and against what the ATT&CK Navigator reads from custom data. It
// returns every problem found.
func validateBundle(doc map[string]any) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if doc["type"] != "bundle" || !validID(doc["id"], "bundle") {
		fail("bundle: type %v, id %v", doc["type"], doc["id"])
	}
	for k := range doc {
		if k != "type" && k != "id" && k != "objects" {
			fail("bundle: property %q is not a STIX 2.1 bundle property", k)
		}
	}
	objs, _ := doc["objects"].([]any)
	if len(objs) == 0 {
		fail("bundle has no objects")
	}
	byID := map[string]map[string]any{}
	for _, raw := range objs {
		o, _ := raw.(map[string]any)
		id, _ := o["id"].(string)
		if _, dup := byID[id]; dup {
			fail("%s: duplicate ID", id)
		}
		byID[id] = o
	}
	shortnames := map[string]bool{}
	for _, o := range byID {
		if o["type"] == "x-mitre-tactic" {
			shortnames[str(o["x_mitre_shortname"])] = true
		}
	}
	for id, o := range byID {
		for _, p := range validateObject(o, byID, shortnames) {
			fail("%s: %s", id, p)
		}
	}
	return problems
}

var (
	typePattern     = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	uuidPattern     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-([45])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	propertyPattern = regexp.MustCompile(`^[a-z0-9_]{3,250}$`)
	phasePattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	millis          = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

func str(v any) string { s, _ := v.(string); return s }

func validID(v any, typ string) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	t, u, found := strings.Cut(s, "--")
	return found && (typ == "" || t == typ) && typePattern.MatchString(t) && uuidPattern.MatchString(u)
}

// specProperties are the property names the specification defines, some
// shorter than the three characters a custom property needs.
var specProperties = map[string]bool{"id": true, "type": true}

func validateObject(o map[string]any, byID map[string]map[string]any, shortnames map[string]bool) []string {
	var p []string
	fail := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	typ := str(o["type"])
	if len(typ) < 3 || len(typ) > 250 || !typePattern.MatchString(typ) {
		fail("invalid type %q", typ)
	}
	if id := str(o["id"]); !validID(id, typ) {
		fail("id %q is not %s-- and a UUIDv4 or UUIDv5", id, typ)
	}
	if o["spec_version"] != "2.1" {
		fail("spec_version %v, want 2.1", o["spec_version"])
	}
	for k := range o {
		if !specProperties[k] && !propertyPattern.MatchString(k) {
			fail("property name %q must be 3 to 250 of a-z, 0-9 and _", k)
		}
	}
	p = append(p, validateTimes(o, typ)...)
	p = append(p, validateRefs(o, byID)...)
	p = append(p, validateExternalReferences(o)...)
	p = append(p, validateByType(o, typ, byID, shortnames)...)
	return p
}

func validateTimes(o map[string]any, typ string) []string {
	var p []string
	created := str(o["created"])
	if !millis.MatchString(created) {
		p = append(p, fmt.Sprintf("created %q is not a UTC timestamp with millisecond precision", created))
	}
	if typ == "marking-definition" {
		if _, ok := o["modified"]; ok {
			p = append(p, "a marking-definition has no modified property in STIX 2.1")
		}
		return p
	}
	modified := str(o["modified"])
	if !millis.MatchString(modified) {
		p = append(p, fmt.Sprintf("modified %q is not a UTC timestamp with millisecond precision", modified))
	}
	c, err1 := time.Parse(time.RFC3339Nano, created)
	m, err2 := time.Parse(time.RFC3339Nano, modified)
	if err1 == nil && err2 == nil && m.Before(c) {
		p = append(p, "modified is before created")
	}
	return p
}

// validateRefs checks that every *_ref and *_refs property names an object
// of the bundle, and that marking refs name marking definitions.
func validateRefs(o map[string]any, byID map[string]map[string]any) []string {
	var p []string
	check := func(key string, v any) {
		id := str(v)
		if !validID(id, "") {
			p = append(p, fmt.Sprintf("%s %q is not a STIX identifier", key, id))
			return
		}
		target, ok := byID[id]
		if !ok {
			p = append(p, fmt.Sprintf("%s %s is not in the bundle", key, id))
			return
		}
		if key == "object_marking_refs" && target["type"] != "marking-definition" {
			p = append(p, fmt.Sprintf("object_marking_refs names a %v", target["type"]))
		}
	}
	for k, v := range o {
		switch {
		case strings.HasSuffix(k, "_ref"):
			check(k, v)
		case strings.HasSuffix(k, "_refs"):
			list, _ := v.([]any)
			if len(list) == 0 {
				p = append(p, k+" is empty")
			}
			for _, x := range list {
				check(k, x)
			}
		}
	}
	return p
}

func validateExternalReferences(o map[string]any) []string {
	var p []string
	refs, _ := o["external_references"].([]any)
	for i, raw := range refs {
		r, _ := raw.(map[string]any)
		if str(r["source_name"]) == "" || (str(r["url"]) == "" && str(r["external_id"]) == "" && str(r["description"]) == "") {
			p = append(p, fmt.Sprintf("external reference %d needs source_name and one of url, external_id, description", i))
		}
	}
	return p
}

// navigatorTypes are the types whose first external reference the
// Navigator reads as the object's ID.
var navigatorTypes = map[string]bool{"x-mitre-matrix": true, "x-mitre-tactic": true, "attack-pattern": true, "course-of-action": true}

func validateByType(o map[string]any, typ string, byID map[string]map[string]any, shortnames map[string]bool) []string {
	var p []string
	fail := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if navigatorTypes[typ] {
		refs, _ := o["external_references"].([]any)
		if len(refs) == 0 || str(refs[0].(map[string]any)["external_id"]) == "" {
			fail("the Navigator needs external_references[0].external_id")
		}
		if d, _ := o["x_mitre_domains"].([]any); len(d) == 0 {
			fail("no x_mitre_domains")
		}
		if str(o["x_mitre_version"]) == "" {
			fail("no x_mitre_version")
		}
		if str(o["name"]) == "" {
			fail("no name")
		}
	}
	switch typ {
	case "identity", "course-of-action":
		if str(o["name"]) == "" {
			fail("no name")
		}
	case "marking-definition":
		def, _ := o["definition"].(map[string]any)
		if o["definition_type"] != "statement" || str(def["statement"]) == "" {
			fail("statement marking without a statement")
		}
	case "x-mitre-tactic":
		if !phasePattern.MatchString(str(o["x_mitre_shortname"])) {
			fail("x_mitre_shortname %q", o["x_mitre_shortname"])
		}
	case "x-mitre-matrix":
		for _, ref := range o["tactic_refs"].([]any) {
			if t := byID[str(ref)]; t != nil && t["type"] != "x-mitre-tactic" {
				fail("tactic_refs names a %v", t["type"])
			}
		}
	case "attack-pattern":
		phases, _ := o["kill_chain_phases"].([]any)
		if len(phases) == 0 {
			fail("no kill_chain_phases, so the Navigator shows it under no tactic")
		}
		for _, raw := range phases {
			ph, _ := raw.(map[string]any)
			if ph["kill_chain_name"] != KillChainName || !phasePattern.MatchString(str(ph["phase_name"])) {
				fail("kill chain phase %v", ph)
			}
			if !shortnames[str(ph["phase_name"])] {
				fail("phase %q names no tactic's x_mitre_shortname", ph["phase_name"])
			}
		}
	case "relationship":
		if !phasePattern.MatchString(str(o["relationship_type"])) {
			fail("relationship_type %q", o["relationship_type"])
		}
		src, dst := byID[str(o["source_ref"])], byID[str(o["target_ref"])]
		if o["relationship_type"] == "mitigates" && (src == nil || dst == nil || src["type"] != "course-of-action" || dst["type"] != "attack-pattern") {
			fail("mitigates must go from a course-of-action to an attack-pattern")
		}
	}
	return p
}
