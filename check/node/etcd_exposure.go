package node

import (
	"net"
	"net/url"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// etcdClientPort is the port etcd serves its clients on.
const etcdClientPort = 2379

func init() {
	check.Register(&check.Check{
		ID:    "node-etcd-exposure",
		Title: "etcd accepts clients without certificates or outside the control plane",
		Rationale: "etcd holds every Kubernetes object, secrets included, and enforces no authorization of " +
			"its own in a Kubernetes control plane: any client it accepts can read and write everything. It " +
			"must require client certificates (--client-cert-auth=true), serve clients only over TLS with a " +
			"certificate of its own (--cert-file and --key-file, not --auto-tls), and not be published through " +
			"a NodePort or LoadBalancer Service.",
		Remediation: "Run etcd with --client-cert-auth=true, --trusted-ca-file, --cert-file and --key-file, " +
			"https:// client URLs and --auto-tls=false, and reach it only from the API servers.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9025"},
		Mitigations: []string{"MS-M9024"},
		Since:       "0.1.0",
		Object:      etcdExposure,
	})
}

func etcdExposure(c *check.Context, o *source.Object, r *check.Reporter) {
	if o.Kind == "Service" && o.APIVersion == "v1" {
		etcdService(o, r)
		return
	}
	binaryObject("etcd", nil, etcdFlags)(c, o, r)
}

func etcdFlags(o *source.Object, c binaryContainer, r *check.Reporter) bool {
	reported := false
	fail := func(v source.Value, evidence, format string, args ...any) {
		reported = true
		r.Fail(v, evidence, format, args...)
	}
	name := containerName(o, c)

	f, ok := c.Flags.get("client-cert-auth")
	switch v, valid := f.boolValue(); {
	case !ok:
		fail(commandLine(c.Container), "--client-cert-auth not set",
			"%s does not set --client-cert-auth, so etcd accepts clients without a certificate; add --client-cert-auth=true", name)
	case !valid || !v:
		fail(f.ValueAt, "--client-cert-auth="+f.Value,
			"%s sets --client-cert-auth=%s, so etcd accepts clients without a certificate; set it to true", name, f.Value)
	}

	autoTLS := false
	if f, ok := c.Flags.get("auto-tls"); ok {
		if v, valid := f.boolValue(); valid && v {
			autoTLS = true
			fail(f.ValueAt, "--auto-tls="+orTrue(f),
				"%s sets --auto-tls, so clients get a self-signed certificate they cannot verify; set it to false and give etcd --cert-file and --key-file", name)
		}
	}
	for _, need := range []string{"cert-file", "key-file"} {
		if f, ok := c.Flags.get(need); !autoTLS && (!ok || f.Value == "") {
			fail(commandLine(c.Container), "--"+need+" not set",
				"%s does not set --%s, so etcd has no server certificate for TLS to its clients; set --cert-file and --key-file", name, need)
		}
	}

	if f, ok := c.Flags.get("listen-client-urls"); ok {
		for _, u := range listValue(f.Value) {
			if plainNonLoopback(u) {
				fail(f.ValueAt, "--listen-client-urls="+f.Value,
					"%s listens for clients on %s without TLS; use https:// or bind plain HTTP to 127.0.0.1 only", name, u)
			}
		}
	}
	return reported
}

// plainNonLoopback reports whether a client URL serves plain HTTP on an
// address other than loopback. etcd's default, http://localhost:2379, is
// loopback.
func plainNonLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// etcdService evaluates a Service that serves the etcd client port: it
// fails when the Service is a NodePort or LoadBalancer. Services without
// that port are skipped.
func etcdService(o *source.Object, r *check.Reporter) {
	spec := o.Root().Field("spec")
	servesEtcd := false
	for _, p := range spec.Field("ports").Items() {
		port, _ := p.Field("port").Int()
		target, _ := p.Field("targetPort").Int()
		if port == etcdClientPort || target == etcdClientPort {
			servesEtcd = true
		}
	}
	if !servesEtcd {
		return
	}
	typ := spec.Field("type").Str()
	if typ != "NodePort" && typ != "LoadBalancer" {
		r.Pass(o.Ref, o.Loc)
		return
	}
	r.Fail(spec.Field("type"), typ,
		"%s of type %s publishes the etcd client port %d outside the cluster; make it ClusterIP or remove it",
		o.Ref, typ, etcdClientPort)
}
