package admission

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/network"
	"github.com/kubethreat/kubethreat/source"
)

// control is a kind of restriction an admission policy enforces.
type control int

const (
	controlImages      control = iota // restricts registries, tags or digests, or verifies signatures
	controlPodSecurity                // blocks privileged pods, or applies a Pod Security level
	controlExec                       // intercepts exec into pods
)

// admissionPolicy is a policy object in the input that enforces a control.
type admissionPolicy struct {
	Object *source.Object
	// Enforced is false for a policy that only audits or warns.
	Enforced bool
	// Mode is the field that puts the policy in audit mode, for failures;
	// it is the policy itself when nothing makes it enforce.
	Mode source.Value
	// ModeText describes the audit mode for messages, such as
	// "validationFailureAction: Audit".
	ModeText string
	// covers reports whether the policy applies to a namespace.
	covers func(namespace string) bool
}

func (p admissionPolicy) Covers(namespace string) bool {
	return p.covers == nil || p.covers(namespace)
}

// findPolicies returns the policies of the inventory that enforce a
// control: Kyverno policies, Gatekeeper constraints and
// ValidatingAdmissionPolicies, plus validating webhooks for exec.
func findPolicies(inv *check.Inventory, c control) []admissionPolicy {
	var out []admissionPolicy
	for _, o := range inv.Objects {
		switch {
		case isKyverno(o):
			if p, ok := kyvernoPolicy(o, c); ok {
				out = append(out, p)
			}
		case strings.HasPrefix(o.APIVersion, "constraints.gatekeeper.sh/"):
			if p, ok := gatekeeperConstraint(o, c); ok {
				out = append(out, p)
			}
		case o.Kind == "ValidatingAdmissionPolicy" && strings.HasPrefix(o.APIVersion, "admissionregistration.k8s.io/"):
			if p, ok := validatingAdmissionPolicy(inv, o, c); ok {
				out = append(out, p)
			}
		case o.Kind == "ValidatingWebhookConfiguration" && c == controlExec:
			if webhookInterceptsExec(o) {
				out = append(out, admissionPolicy{Object: o, Enforced: true, Mode: o.Root()})
			}
		}
	}
	return out
}

func isKyverno(o *source.Object) bool {
	return (o.Kind == "ClusterPolicy" || o.Kind == "Policy") && strings.HasPrefix(o.APIVersion, "kyverno.io/")
}

// kyvernoPolicy classifies a Kyverno policy by its rules. Kyverno only
// audits unless spec.validationFailureAction, or from Kyverno 1.13 a rule's
// failureAction, is Enforce.
func kyvernoPolicy(o *source.Object, c control) (admissionPolicy, bool) {
	spec := o.Root().Field("spec")
	specMode := spec.Field("validationFailureAction")
	p := admissionPolicy{Object: o, Mode: specMode, ModeText: "validationFailureAction: Audit"}
	if !specMode.Exists() {
		p.Mode = spec
		p.ModeText = "no validationFailureAction, which defaults to Audit"
	} else {
		p.ModeText = "validationFailureAction: " + specMode.Str()
	}
	specEnforce := strings.EqualFold(specMode.Str(), "Enforce")

	found := false
	var scopes []source.Value
	for _, rule := range spec.Field("rules").Items() {
		if !kyvernoRuleEnforces(rule, c) {
			continue
		}
		found = true
		scopes = append(scopes, rule)
		if ruleMode := kyvernoRuleMode(rule); ruleMode.Exists() {
			if strings.EqualFold(ruleMode.Str(), "Enforce") {
				p.Enforced = true
			}
			continue
		}
		if specEnforce {
			p.Enforced = true
		}
	}
	if !found {
		return admissionPolicy{}, false
	}
	p.covers = kyvernoScope(o, scopes)
	return p, true
}

// kyvernoRuleMode returns a rule's own failureAction, if it sets one.
func kyvernoRuleMode(rule source.Value) source.Value {
	if v := rule.Field("validate").Field("failureAction"); v.Exists() {
		return v
	}
	for _, vi := range rule.Field("verifyImages").Items() {
		if v := vi.Field("failureAction"); v.Exists() {
			return v
		}
	}
	return source.Value{}
}

// kyvernoRuleEnforces reports whether a Kyverno rule enforces a control.
func kyvernoRuleEnforces(rule source.Value, c control) bool {
	validate := rule.Field("validate")
	switch c {
	case controlImages:
		return rule.Field("verifyImages").Len() > 0 || (validate.Exists() && mentionsImages(validate))
	case controlPodSecurity:
		level := validate.Field("podSecurity").Field("level").Str()
		return level == "baseline" || level == "restricted" || (validate.Exists() && hasKey(validate, "privileged"))
	case controlExec:
		return validate.Exists() && matchesExec(rule.Field("match"))
	}
	return false
}

// mentionsImages reports whether a validate block looks at container
// images: a pattern key "image" in any of Kyverno's anchor forms, or an
// expression or variable that reads images.
func mentionsImages(v source.Value) bool {
	if hasKey(v, "image") {
		return true
	}
	found := false
	walk(v, func(s string) {
		if strings.Contains(s, ".image") || strings.Contains(s, "images.") || strings.Contains(s, "{{ images") {
			found = true
		}
	})
	return found
}

// hasKey reports whether a mapping anywhere under v has the key, written
// plain or with a Kyverno anchor such as "=(image)" or "^(image)".
func hasKey(v source.Value, key string) bool {
	for _, e := range v.Entries() {
		if stripAnchor(e.Key) == key || hasKey(e.Value, key) {
			return true
		}
	}
	for _, item := range v.Items() {
		if hasKey(item, key) {
			return true
		}
	}
	return false
}

func stripAnchor(key string) string {
	if i := strings.Index(key, "("); i >= 0 && strings.HasSuffix(key, ")") && i <= 2 {
		return key[i+1 : len(key)-1]
	}
	return key
}

// walk calls fn for every scalar under v.
func walk(v source.Value, fn func(string)) {
	if s, ok := v.String(); ok {
		fn(s)
		return
	}
	for _, e := range v.Entries() {
		walk(e.Value, fn)
	}
	for _, item := range v.Items() {
		walk(item, fn)
	}
}

// matchesExec reports whether a Kyverno match block selects exec requests:
// the kind PodExecOptions or the subresource Pod/exec.
func matchesExec(match source.Value) bool {
	found := false
	walk(match, func(s string) {
		if s == "PodExecOptions" || strings.EqualFold(s, "Pod/exec") || s == "pods/exec" {
			found = true
		}
	})
	return found
}

// kyvernoScope returns the namespaces a Kyverno policy's rules apply to. A
// namespaced Policy applies to its own namespace; a ClusterPolicy to the
// namespaces its rules match, minus those they exclude.
func kyvernoScope(o *source.Object, rules []source.Value) func(string) bool {
	if o.Kind == "Policy" {
		own := namespaceOf(o)
		return func(ns string) bool { return ns == own }
	}
	return func(ns string) bool {
		for _, rule := range rules {
			if globsAllow(kyvernoNamespaces(rule.Field("match")), ns) && !globsMatch(kyvernoNamespaces(rule.Field("exclude")), ns) {
				return true
			}
		}
		return false
	}
}

// kyvernoNamespaces collects the namespaces listed in a match or exclude
// block, in both its any/all form and its older flat form.
func kyvernoNamespaces(block source.Value) []string {
	var out []string
	collect := func(filter source.Value) {
		out = append(out, filter.Field("resources").Field("namespaces").Strings()...)
	}
	collect(block)
	for _, group := range []string{"any", "all"} {
		for _, filter := range block.Field(group).Items() {
			collect(filter)
		}
	}
	return out
}

// globsAllow reports whether a namespace list allows ns: an empty list
// allows every namespace.
func globsAllow(globs []string, ns string) bool {
	return len(globs) == 0 || globsMatch(globs, ns)
}

func globsMatch(globs []string, ns string) bool {
	for _, g := range globs {
		if ok, err := path.Match(g, ns); err == nil && ok {
			return true
		}
	}
	return false
}

// gatekeeperKinds lists the Gatekeeper library constraint kinds that
// enforce each control. Gatekeeper has no library template for exec.
var gatekeeperKinds = map[control][]string{
	controlImages:      {"K8sAllowedRepos", "K8sAllowedReposv2", "K8sDisallowedRepos", "K8sDisallowedTags", "K8sImageDigests"},
	controlPodSecurity: {"K8sPSPPrivilegedContainer"},
}

// gatekeeperConstraint classifies a Gatekeeper constraint by its kind.
// Gatekeeper denies unless spec.enforcementAction is dryrun or warn.
func gatekeeperConstraint(o *source.Object, c control) (admissionPolicy, bool) {
	if !slices.Contains(gatekeeperKinds[c], o.Kind) {
		return admissionPolicy{}, false
	}
	spec := o.Root().Field("spec")
	action := spec.Field("enforcementAction")
	p := admissionPolicy{Object: o, Mode: action, ModeText: "enforcementAction: " + action.Str()}
	switch strings.ToLower(action.Str()) {
	case "", "deny":
		p.Enforced = true
	case "scoped":
		for _, a := range spec.Field("scopedEnforcementActions").Items() {
			if strings.EqualFold(a.Field("action").Str(), "deny") {
				p.Enforced = true
			}
		}
	}
	match := spec.Field("match")
	include, exclude := match.Field("namespaces").Strings(), match.Field("excludedNamespaces").Strings()
	p.covers = func(ns string) bool {
		return globsAllow(include, ns) && !globsMatch(exclude, ns)
	}
	return p, true
}

// validatingAdmissionPolicy classifies a ValidatingAdmissionPolicy. It
// enforces only through a ValidatingAdmissionPolicyBinding whose
// validationActions include Deny.
func validatingAdmissionPolicy(inv *check.Inventory, o *source.Object, c control) (admissionPolicy, bool) {
	spec := o.Root().Field("spec")
	if !vapEnforces(spec, c) {
		return admissionPolicy{}, false
	}
	p := admissionPolicy{Object: o, Mode: o.Root(), ModeText: "no ValidatingAdmissionPolicyBinding with validationActions [Deny] in the input"}
	var bound []source.Value
	for _, b := range inv.Kind("ValidatingAdmissionPolicyBinding") {
		bs := b.Root().Field("spec")
		if bs.Field("policyName").Str() != o.Name {
			continue
		}
		if !slices.Contains(bs.Field("validationActions").Strings(), "Deny") {
			p.Mode = bs.Field("validationActions")
			p.ModeText = fmt.Sprintf("%s has validationActions %v", b.Ref, bs.Field("validationActions").Strings())
			continue
		}
		p.Enforced = true
		bound = append(bound, bs.Field("matchResources").Field("namespaceSelector"))
	}
	p.covers = func(ns string) bool {
		for _, sel := range bound {
			if ok, err := network.SelectorMatches(sel, namespaceLabels(inv, ns)); err == nil && ok {
				return true
			}
		}
		return false
	}
	return p, true
}

func vapEnforces(spec source.Value, c control) bool {
	var expressions []string
	for _, v := range spec.Field("validations").Items() {
		expressions = append(expressions, v.Field("expression").Str())
	}
	joined := strings.Join(expressions, "\n")
	switch c {
	case controlImages:
		return strings.Contains(joined, ".image")
	case controlPodSecurity:
		return strings.Contains(joined, "privileged")
	case controlExec:
		for _, rule := range spec.Field("matchConstraints").Field("resourceRules").Items() {
			if slices.Contains(rule.Field("resources").Strings(), "pods/exec") {
				return true
			}
		}
	}
	return false
}

// webhookInterceptsExec reports whether a validating webhook configuration
// receives CONNECT requests to pods/exec, so that it can deny them.
func webhookInterceptsExec(o *source.Object) bool {
	for _, wh := range o.Root().Field("webhooks").Items() {
		for _, rule := range wh.Field("rules").Items() {
			ops := rule.Field("operations").Strings()
			res := rule.Field("resources").Strings()
			if (slices.Contains(ops, "CONNECT") || slices.Contains(ops, "*")) &&
				(slices.Contains(res, "pods/exec") || slices.Contains(res, "*/*") || slices.Contains(res, "pods/*")) {
				return true
			}
		}
	}
	return false
}

// namespaceOf returns an object's namespace, or "default" when the manifest
// leaves it out, because kubectl applies it there unless -n names another.
func namespaceOf(o *source.Object) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// namespaceLabels returns the labels of a namespace: those of its Namespace
// object in the input, plus kubernetes.io/metadata.name, which the API
// server sets on every namespace.
func namespaceLabels(inv *check.Inventory, ns string) map[string]string {
	labels := map[string]string{"kubernetes.io/metadata.name": ns}
	for _, o := range inv.Kind("Namespace") {
		if o.Name == ns {
			for k, v := range o.Labels() {
				labels[k] = v
			}
		}
	}
	return labels
}

// workloadNamespaces returns the namespaces that run pods, with the first
// workload of each, in order.
func workloadNamespaces(inv *check.Inventory) ([]string, map[string]*source.Object) {
	first := map[string]*source.Object{}
	var order []string
	for _, o := range inv.Objects {
		if len(check.PodSpecs(o)) == 0 {
			continue
		}
		ns := namespaceOf(o)
		if _, seen := first[ns]; !seen {
			first[ns] = o
			order = append(order, ns)
		}
	}
	slices.Sort(order)
	return order, first
}

// clusterRef is the reference of a finding about the whole cluster or the
// whole input.
func clusterRef(inv *check.Inventory) (source.Ref, source.Location) {
	if inv.Cluster != nil {
		return source.Ref{Kind: "Cluster", Name: inv.Cluster.Server}, source.Location{Cluster: inv.Cluster.Server}
	}
	return source.Ref{Kind: "Cluster", Name: "scanned manifests"}, source.Location{}
}

// policyNeeds lists the resources that hold the admission policies the
// presence checks look for. When a live scan cannot read one of them, a
// policy may exist unseen, so those checks are not evaluated.
var policyNeeds = []string{
	"validatingadmissionpolicies",
	"validatingadmissionpolicybindings",
	"clusterpolicies.kyverno.io",
	"policies.kyverno.io",
	"constrainttemplates.templates.gatekeeper.sh",
}
