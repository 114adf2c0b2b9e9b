package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
	"github.com/kubethreat/kubethreat/store"
)

// The fixture assessments use techniques and mitigations that both the
// real knowledge base and the small one under testdata/content have:
// MS-TA9013 is exposed and detected through a shared ATT&CK ID, MS-TA9005
// is not observed and detected explicitly, MS-TA9001 has no check.
const (
	hostileRule    = `<script>alert(1)</script>`
	hostileObject  = `<img src=x onerror=alert(1)>`
	hostileMessage = `<script>alert("message")</script> mounts /var/run writable`
)

var (
	firstScanTime  = time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	secondScanTime = time.Date(2025, 5, 8, 10, 0, 0, 0, time.UTC)
)

// fixtureScan returns a scan result of the cluster prod-eu. With exposed
// set, the writable hostPath check fails on one Deployment.
func fixtureScan(started time.Time, exposed bool) *report.ScanDocument {
	hostpath := report.TechniqueStatus{ID: "MS-TA9013", Name: "Writable hostPath mount", Status: report.NotObserved, Checks: []string{"hostpath-writable"}}
	stats := report.CheckStats{Evaluated: 2, Passed: 2}
	if exposed {
		hostpath.Status, hostpath.Failed = report.Exposed, 1
		stats = report.CheckStats{Evaluated: 2, Passed: 1, Failed: 1, Suppressed: 1}
	}
	deployment := report.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop"}
	doc := &report.ScanDocument{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "kubethreat", Version: "test"},
		StartedAt:     started,
		Inputs:        []string{"cluster prod-eu"},
		Techniques: []report.TechniqueStatus{
			{ID: "MS-TA9001", Name: "Using cloud credentials", Status: report.NotAssessable, Checks: []string{}, Reason: assess.ReasonNoCheck},
			{ID: "MS-TA9005", Name: "Exposed sensitive interfaces", Status: report.NotObserved, Checks: []string{"service-exposed"}},
			hostpath,
		},
		Checks: []report.CheckInfo{
			{ID: "admission-policy", Title: "No admission policy", Severity: check.Medium, Techniques: []string{"MS-TA9013"}, Mitigations: []string{"MS-M9001"},
				Stats: report.CheckStats{Evaluated: 1, Failed: 1}},
			{ID: "hostpath-writable", Title: "Writable hostPath mount", Severity: check.High, Techniques: []string{"MS-TA9013"}, Mitigations: []string{"MS-M9005"}, Stats: stats},
			{ID: "service-exposed", Title: "<i>Service</i> exposed", Severity: check.Medium, Techniques: []string{"MS-TA9005"}, Mitigations: []string{"MS-M9005.001"},
				Stats: report.CheckStats{Evaluated: 1, Passed: 1}},
		},
		Findings: []report.Finding{
			{Check: "admission-policy", Status: check.Fail, Severity: check.Medium, Techniques: []string{"MS-TA9013"}, Mitigations: []string{"MS-M9001"},
				Object: report.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "shop"}, Location: report.Location{Cluster: "prod-eu"},
				Message: `namespace "shop" has no admission policy`},
			{Check: "hostpath-writable", Status: check.Pass, Severity: check.High, Techniques: []string{"MS-TA9013"}, Mitigations: []string{"MS-M9005"},
				Object: report.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Location: report.Location{Cluster: "prod-eu"}},
			{Check: "service-exposed", Status: check.Pass, Severity: check.Medium, Techniques: []string{"MS-TA9005"}, Mitigations: []string{"MS-M9005.001"},
				Object: report.ObjectRef{APIVersion: "v1", Kind: "Service", Namespace: "shop", Name: "web"}, Location: report.Location{Cluster: "prod-eu"}},
		},
		Skipped: map[string]int{},
	}
	if exposed {
		deployment.Name = hostileObject
		doc.Findings = append(doc.Findings,
			report.Finding{Check: "hostpath-writable", Status: check.Fail, Severity: check.High, Techniques: []string{"MS-TA9013"}, Mitigations: []string{"MS-M9005"},
				Object: deployment, FieldPath: "spec.template.spec.volumes[0].hostPath.path",
				Location: report.Location{File: "deploy/app.yaml", Line: 12, Column: 7, Cluster: "prod-eu"},
				Message:  hostileMessage, Remediation: "Mount the path read-only.", Evidence: "/var/run"},
			report.Finding{Check: "hostpath-writable", Status: check.Suppressed, Severity: check.High, Techniques: []string{"MS-TA9013"}, Mitigations: []string{"MS-M9005"},
				Object:   report.ObjectRef{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "kube-system", Name: "log-agent"},
				Location: report.Location{Cluster: "prod-eu"}, Message: "mounts /var/log writable",
				Suppression: &report.SuppressionInfo{Source: ".kubethreat.yaml:3", Reason: "accepted: log shipping", Expires: "2026-01-01"}},
		)
	}
	return doc
}

// fixtureRules maps a rule with a hostile name to MS-TA9013 through T1610,
// and one rule explicitly to MS-TA9005; a disabled rule maps to MS-TA9001.
func fixtureRules() *detect.Set {
	return &detect.Set{Rules: []detect.Rule{
		{Source: "rules/falco.yaml", Line: 10, Format: detect.FormatFalco, Name: hostileRule, Enabled: true, AttackIDs: []string{"T1610"},
			Mappings: []detect.Mapping{{Technique: "MS-TA9013", How: detect.AttackShared, Via: "T1610"}}},
		{Source: "rules/sigma.yml", Line: 1, Format: detect.FormatSigma, Name: "Dashboard exposed", Enabled: true,
			Mappings: []detect.Mapping{{Technique: "MS-TA9005", How: detect.Explicit, Via: "MS-TA9005"}}},
		{Source: "rules/falco.yaml", Line: 30, Format: detect.FormatFalco, Name: "Cloud credentials read", Enabled: false,
			Mappings: []detect.Mapping{{Technique: "MS-TA9001", How: detect.AttackUnique, Via: "T1078.004"}}},
	}}
}

// fixtureUpload returns the coverage document computed from scan with the
// fixture rules, and the scan result, as JSON.
func fixtureUpload(t testing.TB, m *matrix.Matrix, scan *report.ScanDocument) Upload {
	t.Helper()
	cov := assess.Compute(assess.Input{Matrix: m, Scan: scan, Rules: fixtureRules()})
	var buf bytes.Buffer
	if err := assess.WriteJSON(&buf, cov); err != nil {
		t.Fatal(err)
	}
	return Upload{Document: buf.Bytes(), Scan: mustJSON(t, scan)}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// newSiteWithAssessments builds a site on an in-memory store with three
// assessments: 1, prod-eu's coverage with its scan result; 2, prod-eu's
// later scan result with nothing exposed; 3, a scan result of staging.
func newSiteWithAssessments(m *matrix.Matrix, opts Options) (*Site, error) {
	st, err := store.Open(context.Background(), "memory", store.Options{})
	if err != nil {
		return nil, err
	}
	opts.Store = st
	site, err := New(opts)
	if err != nil {
		return nil, err
	}
	ft := &fixtureT{}
	staging := fixtureScan(secondScanTime.Add(time.Hour), true)
	staging.Inputs = []string{"deploy/staging"}
	for i := range staging.Findings {
		staging.Findings[i].Location.Cluster = ""
	}
	uploads := []Upload{
		fixtureUpload(ft, m, fixtureScan(firstScanTime, true)),
		{Document: mustJSON(ft, fixtureScan(secondScanTime, false))},
		{Document: mustJSON(ft, staging)},
	}
	if ft.err != nil {
		return nil, ft.err
	}
	for i, u := range uploads {
		id, err := site.Import(context.Background(), u)
		if err != nil {
			return nil, fmt.Errorf("importing fixture assessment %d: %w", i+1, err)
		}
		if id != int64(i+1) {
			return nil, fmt.Errorf("fixture assessment %d got ID %d", i+1, id)
		}
	}
	return site, nil
}

// fixtureT lets the fixture builders run outside a test, in a sync.Once
// shared by tests: it records the first failure instead of stopping.
type fixtureT struct {
	testing.TB
	err error
}

func (f *fixtureT) Helper() {}

func (f *fixtureT) Fatal(args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%s", fmt.Sprint(args...))
	}
}
