package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

func init() { writers["sarif"] = writeSARIF }

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

	// srcRoot is the uriBaseId of relative file paths: the folder the scan
	// ran in, which is the repository root when a CI job scans a checkout.
	srcRoot = "%SRCROOT%"

	// fingerprintKey names the partial fingerprint that identifies a
	// finding across runs: check, object and field, but not the line, so
	// that moving a manifest around in its file keeps the alert.
	fingerprintKey = "kubethreatFinding/v1"

	// upstreamSite is the web site of the Threat Matrix for Kubernetes,
	// which technique SitePaths are relative to.
	upstreamSite = "https://microsoft.github.io/Threat-Matrix-for-Kubernetes/"
)

// The SARIF 2.1.0 objects that the writer uses, with only the properties
// it sets.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
		ColumnKind  string            `json:"columnKind"`
		Properties  map[string]string `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string             `json:"id"`
		Name                 string             `json:"name"`
		ShortDescription     sarifText          `json:"shortDescription"`
		FullDescription      sarifText          `json:"fullDescription"`
		Help                 sarifMultiformat   `json:"help"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
		Properties           sarifRuleProps     `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifMultiformat struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Tags             []string `json:"tags"`
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Techniques       []string `json:"kubethreat-techniques"`
		Mitigations      []string `json:"kubethreat-mitigations"`
		PSS              string   `json:"kubethreat-pss,omitempty"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          *sarifResultProps  `json:"properties,omitempty"`
	}
	sarifResultProps struct {
		Evidence  string `json:"evidence,omitempty"`
		FieldPath string `json:"fieldPath,omitempty"`
		Template  string `json:"template,omitempty"`
		Cluster   string `json:"cluster,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifLogicalLocation struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	sarifSuppression struct {
		Kind          string            `json:"kind"`
		Status        string            `json:"status"`
		Justification string            `json:"justification,omitempty"`
		Properties    map[string]string `json:"properties,omitempty"`
	}
	sarifInvocation struct {
		ExecutionSuccessful            bool                `json:"executionSuccessful"`
		StartTimeUTC                   string              `json:"startTimeUtc,omitempty"`
		EndTimeUTC                     string              `json:"endTimeUtc,omitempty"`
		ToolExecutionNotifications     []sarifNotification `json:"toolExecutionNotifications"`
		ToolConfigurationNotifications []sarifNotification `json:"toolConfigurationNotifications"`
	}
	sarifNotification struct {
		Level          string              `json:"level"`
		Message        sarifText           `json:"message"`
		Locations      []sarifLocation     `json:"locations,omitempty"`
		Descriptor     *sarifDescriptorRef `json:"descriptor,omitempty"`
		AssociatedRule *sarifDescriptorRef `json:"associatedRule,omitempty"`
	}
	sarifDescriptorRef struct {
		ID    string `json:"id"`
		Index *int   `json:"index,omitempty"`
	}
)

// writeSARIF writes one SARIF 2.1.0 run: a rule for every check that ran,
// a result for every failing or suppressed finding, and notifications for
// outcomes that were not evaluated, input problems and suppression
// problems.
func writeSARIF(w io.Writer, s *Scan) error {
	if err := validate(s); err != nil {
		return err
	}
	m, err := knowledgeBase(s)
	if err != nil {
		return err
	}
	tool := toolInfo(s, m)

	checks := sortedChecks(s)
	ruleIndex := map[string]int{}
	rules := make([]sarifRule, 0, len(checks))
	for i, c := range checks {
		ruleIndex[c.ID] = i
		rules = append(rules, sarifRuleFor(m, c))
	}

	anchor := inputAnchor(s.Inputs)
	results := []sarifResult{}
	for _, f := range sortedFindings(s, check.Fail, check.Suppressed) {
		results = append(results, sarifResultFor(f, ruleIndex[f.Check], anchor))
	}

	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: rules,
			}},
			Invocations: []sarifInvocation{sarifInvocationFor(s, ruleIndex)},
			Results:     results,
			// NOTE: the YAML decoder counts columns in characters, which
			// matches unicodeCodePoints. A JSON input read by another
			// decoder may count differently.
			ColumnKind: "unicodeCodePoints",
			Properties: map[string]string{
				"matrixVersion": tool.MatrixVersion,
				"attackVersion": tool.AttackVersion,
			},
		}},
	}

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// sarifLevel maps a severity to a SARIF level: critical and high are
// errors, medium is a warning, low and info are notes.
func sarifLevel(s check.Severity) string {
	switch {
	case s >= check.High:
		return "error"
	case s == check.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity returns the score that GitHub code scanning reads from a
// rule's security-severity property. GitHub's documentation of its SARIF
// support maps scores over 9.0 to critical, 7.0 to 8.9 to high, 4.0 to 6.9
// to medium and 3.9 or less to low, so critical gets 9.5 rather than the
// boundary value 9.0. Info gets no score, so code scanning shows such a
// rule by its level, note.
func securitySeverity(s check.Severity) string {
	switch s {
	case check.Critical:
		return "9.5"
	case check.High:
		return "7.5"
	case check.Medium:
		return "5.0"
	case check.Low:
		return "3.0"
	}
	return ""
}

func sarifRuleFor(m *matrix.Matrix, c *check.Check) sarifRule {
	tags := []string{"security", "kubernetes"}
	tags = append(tags, c.Techniques...)
	for _, r := range attackRefs(m, c.Techniques) {
		tags = append(tags, r.ID)
	}
	tags = uniqueStrings(tags)

	rationale := c.Rationale
	if rationale == "" {
		rationale = c.Title
	}
	return sarifRule{
		ID:                   c.ID,
		Name:                 ruleName(c.ID),
		ShortDescription:     sarifText{Text: c.Title},
		FullDescription:      sarifText{Text: rationale},
		Help:                 sarifMultiformat{Text: helpText(m, c), Markdown: helpMarkdown(m, c)},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(c.Severity)},
		Properties: sarifRuleProps{
			Tags:             tags,
			SecuritySeverity: securitySeverity(c.Severity),
			Techniques:       orEmpty(c.Techniques),
			Mitigations:      orEmpty(c.Mitigations),
			PSS:              c.PSS,
		},
	}
}

// ruleName turns a check ID such as "pod-privileged" into the identifier
// form that SARIF viewers show as a rule name, "PodPrivileged".
func ruleName(id string) string {
	var b strings.Builder
	for _, word := range strings.Split(id, "-") {
		if word == "" {
			continue
		}
		b.WriteString(strings.ToUpper(word[:1]))
		b.WriteString(word[1:])
	}
	return b.String()
}

func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// helpText is the plain-text help of a rule: the remediation, then the
// techniques with their tactics and ATT&CK techniques, then the
// mitigations.
func helpText(m *matrix.Matrix, c *check.Check) string {
	var b strings.Builder
	b.WriteString(c.Remediation)
	if len(c.Techniques) > 0 {
		b.WriteString("\n\nThreat Matrix for Kubernetes techniques:")
		for _, id := range c.Techniques {
			b.WriteString("\n- " + techniqueLine(m, id, false))
		}
	}
	if len(c.Mitigations) > 0 {
		b.WriteString("\n\nMitigations:")
		for _, name := range mitigationNames(m, c.Mitigations) {
			b.WriteString("\n- " + name)
		}
	}
	return strings.TrimSpace(b.String())
}

// helpMarkdown is helpText with links to the technique pages and to
// ATT&CK.
func helpMarkdown(m *matrix.Matrix, c *check.Check) string {
	var b strings.Builder
	b.WriteString(c.Remediation)
	if len(c.Techniques) > 0 {
		b.WriteString("\n\n**Threat Matrix for Kubernetes techniques**\n")
		for _, id := range c.Techniques {
			b.WriteString("\n- " + techniqueLine(m, id, true))
		}
	}
	if len(c.Mitigations) > 0 {
		b.WriteString("\n\n**Mitigations**\n")
		for _, name := range mitigationNames(m, c.Mitigations) {
			b.WriteString("\n- " + name)
		}
	}
	return strings.TrimSpace(b.String())
}

// techniqueLine formats "MS-TA9018 Privileged container (Privilege
// Escalation); ATT&CK: T1610 Deploy Container", with links in Markdown.
func techniqueLine(m *matrix.Matrix, id string, markdown bool) string {
	t, ok := m.Technique(id)
	if !ok {
		return id
	}
	line := t.ID + " " + t.Name
	if markdown && t.SitePath != "" {
		line = "[" + line + "](" + upstreamSite + escapePath(t.SitePath) + ")"
	}
	var tactics []string
	for _, tactic := range t.Tactics {
		tactics = append(tactics, tactic.Name)
	}
	if len(tactics) > 0 {
		line += " (" + strings.Join(tactics, ", ") + ")"
	}
	var attack []string
	for _, r := range t.Attack {
		ref := r.ID + " " + r.Name
		if markdown {
			ref = "[" + ref + "](" + r.URL() + ")"
		}
		attack = append(attack, ref)
	}
	if len(attack) > 0 {
		line += "; ATT&CK: " + strings.Join(attack, ", ")
	}
	return line
}

func sarifResultFor(f *check.Finding, ruleIndex int, anchor string) sarifResult {
	loc := sarifLocationFor(f)
	if loc.PhysicalLocation == nil && f.Location.Cluster == "" && !stdinNames[f.Location.File] && anchor != "" {
		// A finding about the scanned manifests as a whole, such as a
		// missing admission policy, has no file of its own. GitHub code
		// scanning rejects a whole SARIF file when one result lacks a
		// physical location, so such a finding points at the scanned path,
		// without a region.
		// NOTE: an upload of such a result to code scanning has not been
		// tried, so how it shows an alert on a folder path is unverified.
		loc.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: artifactLocation(anchor)}
	}
	r := sarifResult{
		RuleID:              f.Check,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: f.Message},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
	}
	if f.Message == "" {
		r.Message.Text = f.Check + " failed for " + objectName(f.Object)
	}
	if f.Evidence != "" || f.FieldPath != "" || f.Template != "" || f.Location.Cluster != "" {
		r.Properties = &sarifResultProps{Evidence: f.Evidence, FieldPath: f.FieldPath, Template: f.Template, Cluster: f.Location.Cluster}
	}
	if f.Status == check.Suppressed {
		r.Suppressions = []sarifSuppression{sarifSuppressionFor(f.Suppression)}
	}
	return r
}

// sarifLocationFor returns where a finding is: the file position when the
// object came from a file, and always the object as a logical location,
// so that a finding from a cluster has a location too.
func sarifLocationFor(f *check.Finding) sarifLocation {
	loc := sarifLocation{LogicalLocations: []sarifLogicalLocation{logicalLocation(f)}}
	if !hasFile(f.Location) {
		return loc
	}
	phys := &sarifPhysicalLocation{ArtifactLocation: artifactLocation(f.Location.File)}
	// A region is given only for a known line: a region pinned to line 1
	// for a finding whose line is unknown would point at the wrong place.
	if f.Location.Line > 0 {
		phys.Region = &sarifRegion{StartLine: f.Location.Line, StartColumn: f.Location.Column}
	}
	loc.PhysicalLocation = phys
	return loc
}

// inputAnchor returns the first scanned path, which findings about the
// input as a whole point at, or "" when the scan read only standard input
// or a cluster.
func inputAnchor(inputs []string) string {
	for _, in := range inputs {
		if in != "" && !stdinNames[in] && !strings.HasPrefix(in, "cluster ") {
			return in
		}
	}
	return ""
}

// logicalLocation names the object as "namespace/Kind/name", or
// "Kind/name" for an object without a namespace.
func logicalLocation(f *check.Finding) sarifLogicalLocation {
	fqn := f.Object.Kind + "/" + f.Object.Name
	if f.Object.Namespace != "" {
		fqn = f.Object.Namespace + "/" + fqn
	}
	return sarifLogicalLocation{Name: f.Object.Name, FullyQualifiedName: fqn, Kind: "resource"}
}

var windowsDrive = regexp.MustCompile(`^[A-Za-z]:/`)

// artifactLocation turns a file path into a URI: a relative path becomes a
// percent-encoded relative reference against %SRCROOT%, an absolute path a
// file URI.
func artifactLocation(file string) sarifArtifactLocation {
	p := filepath.ToSlash(file)
	switch {
	case windowsDrive.MatchString(p):
		return sarifArtifactLocation{URI: "file:///" + p[:2] + escapePath(p[2:])}
	case strings.HasPrefix(p, "/"):
		return sarifArtifactLocation{URI: "file://" + escapePath(path.Clean(p))}
	}
	return sarifArtifactLocation{URI: escapePath(path.Clean(p)), URIBaseID: srcRoot}
}

// escapePath percent-encodes each segment of a slash-separated path. It
// also encodes ":", so that the first segment of a relative reference is
// never read as a URI scheme.
func escapePath(p string) string {
	segments := strings.Split(p, "/")
	for i, s := range segments {
		segments[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segments, "/")
}

// fingerprint hashes what identifies a finding across runs: the check, the
// object and the field path. The line and the message are left out, so
// that edits elsewhere in a file keep the same fingerprint.
func fingerprint(f *check.Finding) string {
	h := sha256.New()
	for _, part := range []string{f.Check, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.FieldPath} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sarifSuppressionFor maps a suppression: the kubethreat.io/ignore
// annotation lives in the manifest (inSource), an exceptions file outside
// it (external).
func sarifSuppressionFor(s *check.Suppression) sarifSuppression {
	if s == nil {
		return sarifSuppression{Kind: "external", Status: "accepted"}
	}
	out := sarifSuppression{Kind: "external", Status: "accepted", Justification: s.Reason}
	if s.Source == "annotation" {
		out.Kind = "inSource"
	}
	out.Properties = map[string]string{"source": s.Source}
	if s.Expires != "" {
		out.Properties["expires"] = s.Expires
	}
	return out
}

func sarifInvocationFor(s *Scan, ruleIndex map[string]int) sarifInvocation {
	inv := sarifInvocation{
		ExecutionSuccessful:            true,
		ToolExecutionNotifications:     []sarifNotification{},
		ToolConfigurationNotifications: []sarifNotification{},
	}
	if !s.StartedAt.IsZero() {
		inv.StartTimeUTC = s.StartedAt.UTC().Format(time.RFC3339Nano)
		inv.EndTimeUTC = s.StartedAt.Add(s.Duration).UTC().Format(time.RFC3339Nano)
	}

	for _, f := range sortedFindings(s, check.NotEvaluated) {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, notEvaluatedNotification(f, ruleIndex))
	}
	for _, d := range sortedDiagnostics(s.Diagnostics) {
		if d.Severity == SeverityError {
			// Some input was not read, so the scan is incomplete.
			inv.ExecutionSuccessful = false
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, diagnosticNotification(d))
	}
	for _, n := range sortedSuppressionNotes(s.Suppressions) {
		inv.ToolConfigurationNotifications = append(inv.ToolConfigurationNotifications, sarifNotification{
			Level:          "warning",
			Message:        sarifText{Text: suppressionNoteText(n)},
			Descriptor:     &sarifDescriptorRef{ID: "suppression-" + n.Problem},
			AssociatedRule: ruleRef(n.Check, ruleIndex),
		})
	}
	return inv
}

func notEvaluatedNotification(f *check.Finding, ruleIndex map[string]int) sarifNotification {
	reason := f.Reason
	if reason == "" {
		reason = "no reason given"
	}
	n := sarifNotification{
		Level:          "warning",
		Descriptor:     &sarifDescriptorRef{ID: "not-evaluated"},
		AssociatedRule: ruleRef(f.Check, ruleIndex),
	}
	if isWholeCheck(f) {
		n.Message.Text = fmt.Sprintf("%s was not evaluated on any object: %s", f.Check, reason)
		return n
	}
	n.Message.Text = fmt.Sprintf("%s was not evaluated on %s: %s", f.Check, objectName(f.Object), reason)
	n.Locations = []sarifLocation{sarifLocationFor(f)}
	return n
}

func diagnosticNotification(d Diagnostic) sarifNotification {
	level := "warning"
	if d.Severity == SeverityError {
		level = "error"
	}
	text := d.Message
	if d.Hint != "" {
		text += "; " + d.Hint
	}
	n := sarifNotification{Level: level, Message: sarifText{Text: text}, Descriptor: &sarifDescriptorRef{ID: "input-" + d.Severity}}
	if d.File != "" && !stdinNames[d.File] {
		phys := &sarifPhysicalLocation{ArtifactLocation: artifactLocation(d.File)}
		if d.Line > 0 {
			phys.Region = &sarifRegion{StartLine: d.Line, StartColumn: d.Column}
		}
		n.Locations = []sarifLocation{{PhysicalLocation: phys}}
	}
	return n
}

// ruleRef refers to a rule by ID, and by index when the rule is in the
// run.
func ruleRef(id string, ruleIndex map[string]int) *sarifDescriptorRef {
	ref := &sarifDescriptorRef{ID: id}
	if i, ok := ruleIndex[id]; ok {
		ref.Index = &i
	}
	return ref
}
