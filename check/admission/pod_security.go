package admission

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// enforceLabel is the Pod Security admission label that makes a namespace
// reject pods above a level.
const enforceLabel = "pod-security.kubernetes.io/enforce"

// enforcingLevels are the Pod Security levels that block privileged pods.
var enforcingLevels = []string{"baseline", "restricted"}

func init() {
	check.Register(&check.Check{
		ID:    "admission-pod-security-enforced",
		Title: "Namespace does not enforce a Pod Security level",
		Rationale: "Without an enforced Pod Security level, anyone who can create a pod in the namespace can " +
			"make it privileged, share the host's namespaces or mount the host's file system, and take over " +
			"the node. A namespace counts as protected when it carries the label " +
			"pod-security.kubernetes.io/enforce: baseline or restricted, when the Pod Security admission " +
			"configuration in the input enforces such a default for it, or when an enforcing Kyverno, " +
			"Gatekeeper (K8sPSPPrivilegedContainer) or ValidatingAdmissionPolicy policy that blocks privileged " +
			"pods covers it. kube-system is skipped, because its node agents need privileges.",
		Remediation: "Label the namespace pod-security.kubernetes.io/enforce: baseline (or restricted), or " +
			"enforce the same controls with an admission policy that covers it.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018", "MS-TA9013"},
		Mitigations: []string{"MS-M9017"},
		Since:       "0.1.0",
		Needs:       append([]string{"namespaces"}, policyNeeds...),
		Prevention:  true,
		Inventory:   podSecurityEnforced,
	})
}

func podSecurityEnforced(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	namespaces, firstWorkload := workloadNamespaces(inv)
	policies := findPolicies(inv, controlPodSecurity)
	defaults := admissionDefaults(inv)
	for _, ns := range namespaces {
		// NOTE: kube-system is skipped, not passed: its node agents and
		// control-plane pods need privileges that baseline forbids.
		if ns == "kube-system" {
			continue
		}
		nsObj := namespaceObject(inv, ns)
		ref := source.Ref{APIVersion: "v1", Kind: "Namespace", Name: ns}
		loc := firstWorkload[ns].Loc
		if nsObj != nil {
			loc = nsObj.Loc
		}

		label := source.Value{}
		if nsObj != nil {
			label = nsObj.Get("metadata.labels").Field(enforceLabel)
		}
		if slices.Contains(enforcingLevels, label.Str()) || coveredByPolicy(policies, ns) || defaults.covers(ns) {
			r.Pass(ref, loc)
			continue
		}

		audit := auditNote(policies, ns)
		switch {
		case nsObj == nil:
			r.NotEvaluated(ref, loc, fmt.Sprintf("the Namespace object is not in the input, so its %s label is unknown, and no enforcing admission policy in the input covers it%s", enforceLabel, audit))
		case label.Exists():
			r.Fail(label, enforceLabel+": "+label.Str(),
				"Namespace %q sets %s: %s, which blocks no privileged pod%s; set it to baseline or restricted",
				ns, enforceLabel, label.Str(), audit)
		default:
			at := nsObj.Get("metadata.labels")
			if !at.Exists() {
				at = nsObj.Get("metadata")
			}
			r.Fail(at, "no "+enforceLabel+" label",
				"Namespace %q has no %s label and no enforcing admission policy in the input covers it%s; label it %s: baseline or restricted",
				ns, enforceLabel, audit, enforceLabel)
		}
	}
}

func namespaceObject(inv *check.Inventory, ns string) *source.Object {
	for _, o := range inv.Kind("Namespace") {
		if o.Name == ns {
			return o
		}
	}
	return nil
}

func coveredByPolicy(policies []admissionPolicy, ns string) bool {
	for _, p := range policies {
		if p.Enforced && p.Covers(ns) {
			return true
		}
	}
	return false
}

// auditNote names the policies that cover a namespace but only audit, as a
// suffix for messages.
func auditNote(policies []admissionPolicy, ns string) string {
	var names []string
	for _, p := range policies {
		if !p.Enforced && p.Covers(ns) {
			names = append(names, p.Object.Ref.String())
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + " only audits)"
}

// podSecurityDefaults is the cluster-wide default of the PodSecurity
// admission plugin, from an AdmissionConfiguration or PodSecurityConfiguration
// file in the input.
type podSecurityDefaults struct {
	level  string
	exempt []string
}

func (d podSecurityDefaults) covers(ns string) bool {
	return slices.Contains(enforcingLevels, d.level) && !slices.Contains(d.exempt, ns)
}

// admissionDefaults reads the PodSecurity plugin's defaults from the input:
// a PodSecurityConfiguration, on its own or inline in an
// AdmissionConfiguration. A configuration given by path is not followed.
func admissionDefaults(inv *check.Inventory) podSecurityDefaults {
	var d podSecurityDefaults
	read := func(cfg source.Value) {
		if level := cfg.Field("defaults").Field("enforce").Str(); level != "" {
			d.level = level
			d.exempt = cfg.Field("exemptions").Field("namespaces").Strings()
		}
	}
	for _, o := range inv.Kind("PodSecurityConfiguration") {
		read(o.Root())
	}
	for _, o := range inv.Kind("AdmissionConfiguration") {
		for _, plugin := range o.Root().Field("plugins").Items() {
			if plugin.Field("name").Str() == "PodSecurity" {
				read(plugin.Field("configuration"))
			}
		}
	}
	return d
}
