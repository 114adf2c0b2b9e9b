package admission

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// knownInjectors maps words in a webhook's name to the sidecar injector it
// belongs to, for messages.
var knownInjectors = map[string]string{
	"istio":            "Istio",
	"linkerd":          "Linkerd",
	"vault":            "the Vault agent injector",
	"dapr":             "Dapr",
	"appmesh":          "AWS App Mesh",
	"consul":           "Consul",
	"kuma":             "Kuma",
	"opentelemetry":    "the OpenTelemetry operator",
	"datadog":          "the Datadog admission controller",
	"secrets-store":    "the Secrets Store CSI driver",
	"azure-wi":         "Azure Workload Identity",
	"pod-identity":     "a pod identity webhook",
	"sidecar-injector": "a sidecar injector",
}

func init() {
	check.Register(&check.Check{
		ID:    "admission-webhook-sidecar-injection",
		Title: "Mutating webhook can change every pod created in the cluster",
		Rationale: "A mutating webhook that receives every pod creation can add containers, volumes or " +
			"environment variables to each pod, including in kube-system; whoever controls the webhook's " +
			"service controls every new workload. Webhooks limited by a namespaceSelector or objectSelector " +
			"that opts pods in (matchLabels, In or Exists) pass; a selector made only of NotIn or " +
			"DoesNotExist terms opts pods out and still matches nearly everything. Well-known injectors such " +
			"as Istio and Linkerd are named in the message: they are legitimate, but an unscoped one is the " +
			"same power in other hands.",
		Remediation: "Limit the webhook with a namespaceSelector or objectSelector that opts namespaces or pods " +
			"in, exclude kube-system, and restrict who can change webhook configurations.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9011", "MS-TA9015"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       []string{"mutatingwebhookconfigurations"},
		Object:      webhookSidecarInjection,
	})
}

func webhookSidecarInjection(_ *check.Context, o *source.Object, r *check.Reporter) {
	if o.Kind != "MutatingWebhookConfiguration" || !strings.HasPrefix(o.APIVersion, "admissionregistration.k8s.io/") {
		return
	}
	failed := false
	for _, wh := range o.Root().Field("webhooks").Items() {
		if !mutatesPodCreation(wh) {
			continue
		}
		ns, obj := wh.Field("namespaceSelector"), wh.Field("objectSelector")
		if optsIn(ns) || optsIn(obj) {
			continue
		}
		failed = true
		name := wh.Field("name").Str()
		at := wh.Field("name")
		if !at.Exists() {
			at = wh
		}
		r.Fail(at, name,
			"%s webhook %q%s mutates every pod created in the cluster%s and sends it to %s; limit it with a namespaceSelector or objectSelector that opts pods in",
			o.Ref, name, injectorNote(name), exclusions(ns, obj), webhookTarget(wh))
	}
	if !failed {
		r.Pass(o.Ref, o.Loc)
	}
}

// mutatesPodCreation reports whether a webhook receives the creation of
// pods: a rule with the core group, the pods resource and the CREATE
// operation, or wildcards for them.
func mutatesPodCreation(wh source.Value) bool {
	for _, rule := range wh.Field("rules").Items() {
		groups := rule.Field("apiGroups").Strings()
		resources := rule.Field("resources").Strings()
		ops := rule.Field("operations").Strings()
		if !(slices.Contains(groups, "") || slices.Contains(groups, "*")) {
			continue
		}
		if !(slices.Contains(resources, "pods") || slices.Contains(resources, "*") || slices.Contains(resources, "*/*")) {
			continue
		}
		if slices.Contains(ops, "CREATE") || slices.Contains(ops, "*") {
			return true
		}
	}
	return false
}

// optsIn reports whether a label selector selects only objects that carry
// a label: a matchLabels entry, or an In or Exists expression. A selector
// of NotIn and DoesNotExist terms only opts objects out.
func optsIn(sel source.Value) bool {
	if sel.Field("matchLabels").Len() > 0 {
		return true
	}
	for _, expr := range sel.Field("matchExpressions").Items() {
		switch expr.Field("operator").Str() {
		case "In", "Exists":
			return true
		}
	}
	return false
}

// exclusions describes the opt-out terms of a webhook's selectors, as a
// suffix for messages.
func exclusions(selectors ...source.Value) string {
	var terms []string
	for _, sel := range selectors {
		for _, expr := range sel.Field("matchExpressions").Items() {
			key, op := expr.Field("key").Str(), expr.Field("operator").Str()
			if values := expr.Field("values").Strings(); len(values) > 0 {
				terms = append(terms, fmt.Sprintf("%s %s %v", key, op, values))
			} else {
				terms = append(terms, key+" "+op)
			}
		}
	}
	if len(terms) == 0 {
		return ""
	}
	return " except where " + strings.Join(terms, " or ")
}

// injectorNote names a well-known injector a webhook belongs to, as a
// suffix for its name.
func injectorNote(name string) string {
	lower := strings.ToLower(name)
	keys := make([]string, 0, len(knownInjectors))
	for k := range knownInjectors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.Contains(lower, k) {
			return " (" + knownInjectors[k] + ")"
		}
	}
	return ""
}

// webhookTarget describes where a webhook sends requests.
func webhookTarget(wh source.Value) string {
	cfg := wh.Field("clientConfig")
	if u := cfg.Field("url").Str(); u != "" {
		return "URL " + u
	}
	svc := cfg.Field("service")
	return fmt.Sprintf("Service %q", svc.Field("namespace").Str()+"/"+svc.Field("name").Str())
}
