// Package admission holds the checks on admission control. One check finds
// mutating webhooks that can inject sidecars into every pod. The others look
// for admission policies in the input (Kyverno, Gatekeeper,
// ValidatingAdmissionPolicy, Pod Security admission) that enforce the
// matrix's mitigations for images, pod security and exec.
package admission
