package exposure

import (
	"fmt"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "exposure-sensitive-interface",
		Title: "Management interface is reachable from outside the cluster",
		Rationale: "Dashboards and management interfaces such as the Kubernetes dashboard, Kubeflow, Argo, " +
			"Jenkins, Weave Scope, Prometheus, Grafana, Jupyter, Ray, MLflow, etcd and the kubelet API often " +
			"run without authentication or with weak defaults, and many of them run code or read secrets by " +
			"design. Published through a NodePort or LoadBalancer Service, external IPs, an Ingress or the " +
			"host's network, they are an entry point into the cluster. Services are linked to workloads " +
			"through their selectors and Ingresses to Services through their backends; a workload is " +
			"recognized by its image, its name or app label, or a port no other common software uses.",
		Remediation: "Keep the interface on a ClusterIP Service and reach it through kubectl port-forward, a VPN " +
			"or an authenticating proxy; if it must be public, put strong authentication in front of it and " +
			"limit source addresses with loadBalancerSourceRanges or the Ingress controller.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9005"},
		Mitigations: []string{"MS-M9008", "MS-M9014"},
		Since:       "0.1.0",
		Needs:       []string{"services", "ingresses"},
		Inventory:   sensitiveInterfaceExposure,
	})
}

func sensitiveInterfaceExposure(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	found := sensitiveWorkloads(inv)
	svcs := indexServices(inv)
	for _, svc := range services(inv) {
		checkService(svc, found, r)
	}
	for _, ing := range inv.Kind("Ingress") {
		if isIngress(ing) {
			checkIngress(svcs, ing, found, r)
		}
	}
	for _, w := range found {
		checkHostExposure(w, r)
	}
}

// checkService fails an externally reachable Service that leads to a
// sensitive interface.
func checkService(svc *source.Object, found []sensitiveWorkload, r *check.Reporter) {
	at, exposure := externalExposure(svc)
	if exposure == "" {
		r.Pass(svc.Ref, svc.Loc)
		return
	}
	target, ok := serviceInterface(svc, found)
	if !ok {
		r.Pass(svc.Ref, svc.Loc)
		return
	}
	r.Fail(at, exposure,
		"%s %s exposes %s outside the cluster; make it ClusterIP and reach the interface through kubectl port-forward, a VPN or an authenticating proxy",
		svc.Ref, exposure, target)
}

// externalExposure returns the field that makes a Service reachable from
// outside the cluster and a description of it, or "" for a Service that is
// not.
func externalExposure(svc *source.Object) (source.Value, string) {
	spec := svc.Root().Field("spec")
	switch typ := spec.Field("type").Str(); typ {
	case "NodePort", "LoadBalancer":
		return spec.Field("type"), "of type " + typ
	}
	if ips := spec.Field("externalIPs"); ips.Len() > 0 {
		return ips, "with externalIPs " + strings.Join(ips.Strings(), ", ")
	}
	return source.Value{}, ""
}

// serviceInterface describes the sensitive interface a Service leads to.
// It follows the selector to a workload in the input first, then looks for
// a port that identifies an interface on its own, then at the Service's
// name for a workload that is not in the input.
func serviceInterface(svc *source.Object, found []sensitiveWorkload) (string, bool) {
	if targets := selectedBy(svc, found); len(targets) > 0 {
		w := targets[0]
		return fmt.Sprintf("%s (%s, %s)", w.Match.Interface.Name, w.Object.Ref, w.Match.Evidence), true
	}
	for _, p := range svc.Get("spec.ports").Items() {
		for _, field := range []string{"port", "targetPort"} {
			port, ok := p.Field(field).Int()
			if si := byPort(int(port)); ok && si != nil {
				return fmt.Sprintf("%s (%s %d)", si.Name, field, port), true
			}
		}
	}
	if si := byName(svc.Name); si != nil {
		return fmt.Sprintf("%s (Service name %s)", si.Name, svc.Name), true
	}
	return "", false
}

// checkIngress fails each backend of an Ingress that leads to a sensitive
// interface.
func checkIngress(svcs serviceIndex, ing *source.Object, found []sensitiveWorkload, r *check.Reporter) {
	failed := false
	for _, b := range ingressBackends(ing) {
		target, ok := backendInterface(svcs, ing, b, found)
		if !ok {
			continue
		}
		failed = true
		r.Fail(b.Name, b.Name.Str(),
			"%s routes %s to Service %q, which serves %s; remove the route or require authentication in front of it",
			ing.Ref, b.Where, b.Name.Str(), target)
	}
	if !failed {
		r.Pass(ing.Ref, ing.Loc)
	}
}

func backendInterface(svcs serviceIndex, ing *source.Object, b backend, found []sensitiveWorkload) (string, bool) {
	if svc := svcs.named(namespaceOf(ing), b.Name.Str()); svc != nil {
		return serviceInterface(svc, found)
	}
	if port, ok := b.Port.Int(); ok {
		if si := byPort(int(port)); si != nil {
			return fmt.Sprintf("%s (port %d)", si.Name, port), true
		}
	}
	if si := byName(b.Name.Str()); si != nil {
		return fmt.Sprintf("%s (Service name %s)", si.Name, b.Name.Str()), true
	}
	return "", false
}

// checkHostExposure fails a sensitive workload that listens on its node's
// network, through hostNetwork or a hostPort.
func checkHostExposure(w sensitiveWorkload, r *check.Reporter) {
	iface := fmt.Sprintf("%s (%s)", w.Match.Interface.Name, w.Match.Evidence)
	if hn := w.Spec.Spec.Field("hostNetwork"); hn.IsTrue() {
		r.Fail(hn, "hostNetwork: true",
			"%s runs %s with hostNetwork: true, so its ports are open on the node's addresses; remove hostNetwork and publish it through a ClusterIP Service",
			w.Object.Ref, iface)
		return
	}
	for _, c := range w.Spec.Containers() {
		for _, p := range c.Value.Field("ports").Items() {
			hp := p.Field("hostPort")
			if n, ok := hp.Int(); ok && n > 0 {
				r.Fail(hp, fmt.Sprintf("hostPort: %d", n),
					"%s runs %s with hostPort %d in container %q, which opens it on the node's addresses; remove hostPort",
					w.Object.Ref, iface, n, c.Name)
				return
			}
		}
	}
	r.Pass(w.Object.Ref, w.Object.Loc)
}
