package check

import (
	"fmt"

	"github.com/kubethreat/kubethreat/source"
)

// Finding is the outcome of one check on one object.
type Finding struct {
	Check       string          `json:"check"`
	Status      Status          `json:"status"`
	Severity    Severity        `json:"severity"`
	Techniques  []string        `json:"techniques"`
	Mitigations []string        `json:"mitigations"`
	Object      source.Ref      `json:"object"`
	FieldPath   string          `json:"fieldPath,omitempty"`
	Location    source.Location `json:"location"`
	Template    string          `json:"template,omitempty"` // Helm template or Kustomize resource
	Message     string          `json:"message"`
	Remediation string          `json:"remediation,omitempty"`
	Evidence    string          `json:"evidence,omitempty"` // the offending value, redacted where secret
	Reason      string          `json:"reason,omitempty"`   // the cause of a not_evaluated or not_applicable status
	Suppression *Suppression    `json:"suppression,omitempty"`
	Guidance    []Guidance      `json:"guidance,omitempty"` // managed-service advice, for live scans of AKS, EKS or GKE
}

// Guidance is the advice of one of a finding's mitigations for the managed
// service that the scanned cluster runs on.
type Guidance struct {
	Mitigation string `json:"mitigation"` // MS-M9xxx
	Service    string `json:"service"`    // "aks", "eks" or "gke"
	Text       string `json:"text"`       // Markdown
}

// Suppression records why a failing finding was suppressed.
type Suppression struct {
	Source  string `json:"source"` // "annotation" or the exceptions file's path
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD
}

// Reporter collects the outcomes of one check. Checks call Fail for each
// problem, and Pass once for each object they evaluated and found nothing
// wrong with, so that "no finding" is never confused with "not checked".
type Reporter struct {
	check      *Check
	findings   []Finding
	passes     int
	keepPasses bool // also record a pass finding per passed object
}

func (r *Reporter) base(ref source.Ref, status Status) Finding {
	return Finding{
		Check:       r.check.ID,
		Status:      status,
		Severity:    r.check.Severity,
		Techniques:  r.check.Techniques,
		Mitigations: r.check.Mitigations,
		Object:      ref,
	}
}

// Fail reports a problem at a value of an object. The message names the
// object, the field and the value; the check's remediation is attached.
// Evidence is the offending value, already redacted if it is secret.
func (r *Reporter) Fail(v source.Value, evidence string, format string, args ...any) {
	o := v.Object()
	f := r.base(o.Ref, Fail)
	f.FieldPath = v.Path()
	f.Location = v.Loc()
	f.Template = o.Template
	f.Evidence = evidence
	f.Message = fmt.Sprintf(format, args...)
	f.Remediation = r.check.Remediation
	r.findings = append(r.findings, f)
}

// FailRef reports a problem with an object as a whole, or with one that is
// not in the inventory, such as a namespace that no NetworkPolicy covers.
func (r *Reporter) FailRef(ref source.Ref, loc source.Location, fieldPath, evidence, format string, args ...any) {
	f := r.base(ref, Fail)
	f.FieldPath = fieldPath
	f.Location = loc
	f.Evidence = evidence
	f.Message = fmt.Sprintf(format, args...)
	f.Remediation = r.check.Remediation
	r.findings = append(r.findings, f)
}

// Pass records that the check evaluated an object and found no problem.
func (r *Reporter) Pass(ref source.Ref, loc source.Location) {
	r.passes++
	if r.keepPasses {
		f := r.base(ref, Pass)
		f.Location = loc
		f.Message = fmt.Sprintf("%s passes %s", ref, r.check.ID)
		r.findings = append(r.findings, f)
	}
}

// NotApplicable records that the check does not apply to an object, with a
// reason.
func (r *Reporter) NotApplicable(ref source.Ref, loc source.Location, reason string) {
	f := r.base(ref, NotApplicable)
	f.Location = loc
	f.Reason = reason
	f.Message = fmt.Sprintf("%s: not applicable: %s", ref, reason)
	r.findings = append(r.findings, f)
}

// NotEvaluated records that the check could not run on an object, with a
// reason such as a missing permission. It is never a pass.
func (r *Reporter) NotEvaluated(ref source.Ref, loc source.Location, reason string) {
	f := r.base(ref, NotEvaluated)
	f.Location = loc
	f.Reason = reason
	f.Message = fmt.Sprintf("%s: not evaluated: %s", ref, reason)
	r.findings = append(r.findings, f)
}
