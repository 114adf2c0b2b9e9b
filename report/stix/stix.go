// Package stix writes the Threat Matrix for Kubernetes as a STIX 2.1
// bundle in the shape of MITRE ATT&CK's own data, so that the ATT&CK
// Navigator can load the matrix as custom data. The bundle has an
// x-mitre-matrix with its x-mitre-tactic columns, an attack-pattern per
// technique, a course-of-action per mitigation and a "mitigates"
// relationship per link.
//
// The bundle is deterministic: every ID is a UUIDv5 of a fixed namespace and
// the object's kind and matrix ID, and every timestamp is Timestamp, so the
// same knowledge base always gives the same bytes.
package stix

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

// Timestamp is the created and modified time of every object: the date of
// the upstream matrix commit the knowledge base was checked against
// (2023-01-23), fixed so that output is stable.
const Timestamp = "2023-01-23T00:00:00.000Z"

// KillChainName names the matrix's tactics in kill_chain_phases; each
// phase_name is a tactic's x_mitre_shortname (its slug).
const KillChainName = "kubernetes-threat-matrix"

// SourceName is the source_name of the external reference that carries a
// matrix ID; it is always the first reference, where the Navigator reads
// an object's ID.
const SourceName = "kubernetes-threat-matrix"

// Domain is the x_mitre_domains value of the matrix's objects. The
// Navigator's domain picker for custom data offers the ATT&CK domains, and
// for data configured as a regular domain it keeps only objects whose
// x_mitre_domains contain that domain, so the objects claim Enterprise.
const Domain = "enterprise-attack"

// SiteBase is the upstream site of the matrix; page paths are relative to
// it.
const SiteBase = "https://microsoft.github.io/Threat-Matrix-for-Kubernetes/"

// namespace is the UUIDv5 namespace of kubethreat's STIX IDs, chosen once.
// Changing it changes every ID.
var namespace = mustParseUUID("5d2f8a1c-7e3b-4c9a-9f60-1b8e2d4c7a35")

// Bundle is a STIX 2.1 bundle. STIX 2.1 bundles have no spec_version.
type Bundle struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Objects []any  `json:"objects"`
}

// Common are the properties every object of the bundle shares.
type Common struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified,omitempty"`
	CreatedByRef      string   `json:"created_by_ref,omitempty"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
}

// ExternalReference points outside the bundle.
type ExternalReference struct {
	SourceName  string `json:"source_name"`
	ExternalID  string `json:"external_id,omitempty"`
	URL         string `json:"url,omitempty"`
	Description string `json:"description,omitempty"`
}

// KillChainPhase places a technique in a tactic.
type KillChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

// Identity is the producer of the bundle.
type Identity struct {
	Common
	Name          string `json:"name"`
	Description   string `json:"description"`
	IdentityClass string `json:"identity_class"`
}

// MarkingDefinition is the license and attribution statement.
type MarkingDefinition struct {
	Common
	Name           string            `json:"name"`
	DefinitionType string            `json:"definition_type"`
	Definition     map[string]string `json:"definition"`
}

// Matrix is the x-mitre-matrix object.
type Matrix struct {
	Common
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	TacticRefs         []string            `json:"tactic_refs"`
	ExternalReferences []ExternalReference `json:"external_references"`
	Domains            []string            `json:"x_mitre_domains"`
	Version            string              `json:"x_mitre_version"`
}

// Tactic is an x-mitre-tactic object.
type Tactic struct {
	Common
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	Shortname          string              `json:"x_mitre_shortname"`
	ExternalReferences []ExternalReference `json:"external_references"`
	Domains            []string            `json:"x_mitre_domains"`
	Version            string              `json:"x_mitre_version"`
}

// AttackPattern is a technique.
type AttackPattern struct {
	Common
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	KillChainPhases    []KillChainPhase    `json:"kill_chain_phases"`
	ExternalReferences []ExternalReference `json:"external_references"`
	Platforms          []string            `json:"x_mitre_platforms"`
	Domains            []string            `json:"x_mitre_domains"`
	Version            string              `json:"x_mitre_version"`
	IsSubtechnique     bool                `json:"x_mitre_is_subtechnique"`
	Detection          string              `json:"x_mitre_detection,omitempty"`
}

// CourseOfAction is a mitigation.
type CourseOfAction struct {
	Common
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	ExternalReferences []ExternalReference `json:"external_references"`
	Domains            []string            `json:"x_mitre_domains"`
	Version            string              `json:"x_mitre_version"`
}

// Relationship links a mitigation to a technique it mitigates.
type Relationship struct {
	Common
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
	Description      string `json:"description,omitempty"`
}

// objectVersion is x_mitre_version of every object; it changes only when
// kubethreat changes how an object is written.
const objectVersion = "1.0"

// Build returns the bundle of the matrix.
func Build(m *matrix.Matrix) *Bundle {
	identity := ID("identity", "kubethreat")
	marking := ID("marking-definition", "cc-by-4.0")
	common := func(typ, key string) Common {
		return Common{Type: typ, SpecVersion: "2.1", ID: ID(typ, key), Created: Timestamp, Modified: Timestamp,
			CreatedByRef: identity, ObjectMarkingRefs: []string{marking}}
	}
	domains := []string{Domain}

	b := &Bundle{Type: "bundle", ID: ID("bundle", "kubernetes-threat-matrix/"+m.Version)}
	b.Objects = append(b.Objects,
		Identity{Common: Common{Type: "identity", SpecVersion: "2.1", ID: identity, Created: Timestamp, Modified: Timestamp,
			ObjectMarkingRefs: []string{marking}},
			Name: "kubethreat", IdentityClass: "system",
			Description: "kubethreat maps Kubernetes clusters and detections to the Threat Matrix for Kubernetes and wrote this bundle."},
		MarkingDefinition{Common: Common{Type: "marking-definition", SpecVersion: "2.1", ID: marking, Created: Timestamp, CreatedByRef: identity},
			Name: "CC BY 4.0", DefinitionType: "statement", Definition: map[string]string{"statement": statement(m)}},
	)

	mx := Matrix{Common: common("x-mitre-matrix", KillChainName), Name: "Threat Matrix for Kubernetes",
		Description:        "The Threat Matrix for Kubernetes " + m.Version + ": the tactics and techniques attackers use against Kubernetes clusters, with mitigations.",
		ExternalReferences: []ExternalReference{{SourceName: SourceName, ExternalID: KillChainName, URL: SiteBase}},
		Domains:            domains, Version: objectVersion}
	for _, t := range m.Tactics {
		mx.TacticRefs = append(mx.TacticRefs, ID("x-mitre-tactic", t.Slug))
	}
	b.Objects = append(b.Objects, mx)

	for _, t := range m.Tactics {
		b.Objects = append(b.Objects, Tactic{Common: common("x-mitre-tactic", t.Slug), Name: t.Name, Description: t.Summary,
			Shortname: t.Slug, Domains: domains, Version: objectVersion,
			ExternalReferences: []ExternalReference{
				{SourceName: SourceName, ExternalID: t.UpstreamSlug, URL: SiteBase + "tactics/" + t.UpstreamSlug + "/"},
				{SourceName: "mitre-attack", ExternalID: t.Attack.ID, URL: t.Attack.URL(), Description: "ATT&CK tactic " + t.Attack.Name},
			}})
	}
	for _, t := range m.Techniques {
		b.Objects = append(b.Objects, attackPattern(t, common("attack-pattern", t.ID), domains))
	}
	for _, x := range m.Mitigations {
		b.Objects = append(b.Objects, courseOfAction(x, common("course-of-action", x.ID), domains))
	}
	b.Objects = append(b.Objects, relationships(m, common)...)
	return b
}

func statement(m *matrix.Matrix) string {
	return "Threat Matrix for Kubernetes " + m.Version + " by Microsoft, licensed under CC BY 4.0 " +
		"(https://creativecommons.org/licenses/by/4.0/). Tactic, technique and mitigation IDs, names and relations come from " +
		"microsoft/Threat-Matrix-for-Kubernetes at commit " + m.SourceCommit + "; descriptions were written by the kubethreat project. " +
		"ATT&CK IDs and names are from MITRE ATT&CK " + m.AttackVersion + ", © The MITRE Corporation."
}

func attackPattern(t *matrix.Technique, c Common, domains []string) AttackPattern {
	ap := AttackPattern{Common: c, Name: t.Name, Description: t.Summary, Platforms: []string{"Containers"},
		Domains: domains, Version: objectVersion, Detection: t.Detection,
		ExternalReferences: []ExternalReference{{SourceName: SourceName, ExternalID: t.ID, URL: pageURL(t.SitePath)}}}
	for _, tac := range t.Tactics {
		ap.KillChainPhases = append(ap.KillChainPhases, KillChainPhase{KillChainName: KillChainName, PhaseName: tac.Slug})
	}
	for _, a := range t.Attack {
		ap.ExternalReferences = append(ap.ExternalReferences,
			ExternalReference{SourceName: "mitre-attack", ExternalID: a.ID, URL: a.URL(), Description: a.Name})
	}
	return ap
}

func courseOfAction(x *matrix.Mitigation, c Common, domains []string) CourseOfAction {
	desc := x.Summary
	if x.Parent != nil {
		desc = "Part of " + x.Parent.ID + " " + x.Parent.Name + ". " + desc
	}
	coa := CourseOfAction{Common: c, Name: x.Name, Description: desc, Domains: domains, Version: objectVersion,
		ExternalReferences: []ExternalReference{{SourceName: SourceName, ExternalID: x.ID, URL: pageURL(x.SitePath)}}}
	for _, a := range x.Attack {
		coa.ExternalReferences = append(coa.ExternalReferences,
			ExternalReference{SourceName: "mitre-attack", ExternalID: a.ID, URL: a.URL(), Description: a.Name})
	}
	return coa
}

// relationships returns one "mitigates" relationship per link, ordered by
// mitigation then technique.
func relationships(m *matrix.Matrix, common func(typ, key string) Common) []any {
	type pair struct{ mitigation, technique, note string }
	var pairs []pair
	for _, t := range m.Techniques {
		for _, l := range t.Mitigations {
			pairs = append(pairs, pair{l.Mitigation.ID, t.ID, l.Note})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].mitigation != pairs[j].mitigation {
			return pairs[i].mitigation < pairs[j].mitigation
		}
		return pairs[i].technique < pairs[j].technique
	})
	out := make([]any, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, Relationship{Common: common("relationship", "mitigates/"+p.mitigation+"/"+p.technique),
			RelationshipType: "mitigates", SourceRef: ID("course-of-action", p.mitigation),
			TargetRef: ID("attack-pattern", p.technique), Description: p.note})
	}
	return out
}

// pageURL returns the upstream page of a site path such as
// "techniques/Writable hostPath mount/", with each segment escaped.
func pageURL(sitePath string) string {
	segments := strings.Split(strings.Trim(sitePath, "/"), "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return SiteBase + strings.Join(segments, "/") + "/"
}

// ID returns the STIX identifier of an object: its type, "--" and the
// UUIDv5 of the namespace and "type/key".
func ID(typ, key string) string { return typ + "--" + uuidV5(namespace, typ+"/"+key) }

// uuidV5 returns the RFC 4122 version 5 (SHA-1) UUID of name in ns.
func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	sum := h.Sum(nil)
	var u [16]byte
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func mustParseUUID(s string) [16]byte {
	raw, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(raw) != 16 {
		panic("invalid UUID " + s)
	}
	var u [16]byte
	copy(u[:], raw)
	return u
}

// Write writes the bundle of the matrix as indented JSON.
func Write(w io.Writer, m *matrix.Matrix) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Build(m))
}
