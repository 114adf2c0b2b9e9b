package exposure

import (
	"fmt"
	"slices"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// namespaceOf returns an object's namespace, or "default" when the manifest
// leaves it out, because kubectl applies it there unless -n names another.
func namespaceOf(o *source.Object) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// sensitiveWorkload is a workload in the input that runs a sensitive
// interface.
type sensitiveWorkload struct {
	Object *source.Object
	Spec   check.PodSpec
	Labels map[string]string
	Match  match
}

// sensitiveWorkloads returns the workloads of the inventory that run a
// sensitive interface.
func sensitiveWorkloads(inv *check.Inventory) []sensitiveWorkload {
	var out []sensitiveWorkload
	for _, o := range inv.Objects {
		for _, spec := range check.PodSpecs(o) {
			if m, ok := identify(spec); ok {
				out = append(out, sensitiveWorkload{Object: o, Spec: spec, Labels: spec.Meta.Field("labels").StringMap(), Match: m})
			}
		}
	}
	return out
}

// serviceSelects reports whether a Service's selector selects pods with the
// labels: every selector entry must be among them. A Service without a
// selector selects no pods.
func serviceSelects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// selectedBy returns the sensitive workloads of a Service's namespace that
// its selector selects.
func selectedBy(svc *source.Object, found []sensitiveWorkload) []sensitiveWorkload {
	selector := svc.Get("spec.selector").StringMap()
	var out []sensitiveWorkload
	for _, w := range found {
		if namespaceOf(w.Object) == namespaceOf(svc) && serviceSelects(selector, w.Labels) {
			out = append(out, w)
		}
	}
	return out
}

// services returns the core v1 Services of the inventory.
func services(inv *check.Inventory) []*source.Object {
	var out []*source.Object
	for _, o := range inv.Kind("Service") {
		if o.APIVersion == "v1" {
			out = append(out, o)
		}
	}
	return out
}

// serviceIndex maps "namespace/name" to a core v1 Service, built once per
// check so that looking up an Ingress backend does not scan every Service.
type serviceIndex map[string]*source.Object

func indexServices(inv *check.Inventory) serviceIndex {
	idx := serviceIndex{}
	for _, svc := range services(inv) {
		key := namespaceOf(svc) + "/" + svc.Name
		if _, dup := idx[key]; !dup {
			idx[key] = svc // the first in input order, as a linear search finds
		}
	}
	return idx
}

func (idx serviceIndex) named(namespace, name string) *source.Object {
	return idx[namespace+"/"+name]
}

// byName returns the interface a Service or backend name identifies, or
// nil.
func byName(name string) *sensitiveInterface {
	for i := range sensitiveInterfaces {
		if slices.Contains(sensitiveInterfaces[i].Names, name) {
			return &sensitiveInterfaces[i]
		}
	}
	return nil
}

// isIngress reports whether an object is an Ingress of a served or formerly
// served API version.
func isIngress(o *source.Object) bool {
	switch o.APIVersion {
	case "networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1":
		return o.Kind == "Ingress"
	}
	return false
}

// backend is one Service an Ingress routes to.
type backend struct {
	Name  source.Value // the Service name's field
	Port  source.Value // the Service port's field, a number or a name
	Where string       // for messages, such as `host "ci.example.com" path "/"`
}

// ingressBackends returns the Service backends of an Ingress, in both the
// networking.k8s.io/v1 shape (backend.service.name) and the older beta
// shape (backend.serviceName).
func ingressBackends(ing *source.Object) []backend {
	spec := ing.Root().Field("spec")
	var out []backend
	add := func(b source.Value, where string) {
		if svc := b.Field("service"); svc.Exists() {
			port := svc.Field("port").Field("number")
			if !port.Exists() {
				port = svc.Field("port").Field("name")
			}
			out = append(out, backend{Name: svc.Field("name"), Port: port, Where: where})
			return
		}
		if name := b.Field("serviceName"); name.Exists() {
			out = append(out, backend{Name: name, Port: b.Field("servicePort"), Where: where})
		}
	}
	add(spec.Field("defaultBackend"), "its default backend")
	add(spec.Field("backend"), "its default backend")
	for _, rule := range spec.Field("rules").Items() {
		host := rule.Field("host").Str()
		if host == "" {
			host = "*"
		}
		for _, p := range rule.Field("http").Field("paths").Items() {
			add(p.Field("backend"), fmt.Sprintf("host %q path %q", host, p.Field("path").Str()))
		}
	}
	return out
}
