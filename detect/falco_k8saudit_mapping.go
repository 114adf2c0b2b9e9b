package detect

import (
	"regexp"
	"sort"
	"strings"
)

// Falco's Kubernetes audit rules (the k8saudit plugin's rules file, and the
// older engine rules of the same names) carry only the tag "k8s", so no
// ATT&CK tag can map them. kubethreat maps them in two steps, both with
// How "builtin":
//
//  1. by rule name, through k8sAuditRules below: one entry per rule name
//     that Falco has shipped, each with the reason for its techniques, or
//     with the reason it maps to none;
//  2. for a rule whose name is not in the table (a renamed or local rule),
//     by the audit fields its condition reads once macros and lists are
//     expanded, through k8sAuditConditions.
//
// The table is documented in docs/detection-mapping.md.

// k8sAuditRule maps one Falco audit rule name to techniques.
type k8sAuditRule struct {
	Name       string
	Techniques []string // empty: the rule maps to no technique, for the reason in Why
	Why        string
}

// k8sAuditRules is the built-in mapping by rule name, in the order of
// Falco's rules file.
var k8sAuditRules = []k8sAuditRule{
	{"Disallowed K8s User", nil,
		"flags any request by a user outside an allow list; that says who acts, not which technique"},
	{"Create Disallowed Pod", []string{"MS-TA9008", "MS-TA9002"},
		"a pod started from an image outside the allowed list is a new container, possibly from a compromised image"},
	{"Create Privileged Pod", []string{"MS-TA9018"},
		"a container with privileged: true is the Privileged container technique"},
	{"Create Sensitive Mount Pod", []string{"MS-TA9013"},
		"a hostPath volume of /, /etc, /proc, /root, the runtime socket or kubelet folders is a writable hostPath mount"},
	{"Create HostNetwork Pod", []string{"MS-TA9018", "MS-TA9033", "MS-TA9036"},
		"host networking breaks isolation, reaches the node's instance metadata endpoint and allows ARP spoofing on the node network, as the pod-host-network check maps it"},
	{"Create HostPid Pod", []string{"MS-TA9018"},
		"sharing the host PID namespace is a privileged-container escape path, as the pod-host-pid check maps it"},
	{"Create HostIPC Pod", []string{"MS-TA9018"},
		"sharing the host IPC namespace is a privileged-container escape path, as the pod-host-ipc check maps it"},
	{"Create NodePort Service", []string{"MS-TA9005"},
		"a NodePort service exposes an interface on every node's address"},
	{"Create/Modify Configmap With Private Credentials", []string{"MS-TA9027"},
		"a ConfigMap holding passwords or cloud keys is application credentials in configuration files"},
	{"Anonymous Request Allowed", []string{"MS-TA9029"},
		"an allowed request by system:anonymous is unauthenticated access to the API server"},
	{"Attach/Exec Pod", []string{"MS-TA9006"},
		"an exec or attach request on a pod is Exec into container"},
	{"port-forward", nil,
		"port forwarding reaches a pod's ports through the API server; the matrix has no technique for it"},
	{"EphemeralContainers Created", []string{"MS-TA9011"},
		"adding an ephemeral container injects a new container into a running pod, as Sidecar injection does"},
	{"Create Disallowed Namespace", nil,
		"a namespace outside an allow list is configuration drift, not a matrix technique"},
	{"Pod Created in Kube Namespace", []string{"MS-TA9023"},
		"the matrix names pods created in kube-system as the way attackers blend in by name and place"},
	{"Service Account Created in Kube Namespace", []string{"MS-TA9016"},
		"a new service account in kube-system is a persistence foothold through a service account"},
	{"System ClusterRole Modified/Deleted", []string{"MS-TA9019", "MS-TA9038"},
		"changing a system: role can grant cluster-wide rights; deleting one destroys cluster configuration"},
	{"Attach to cluster-admin Role", []string{"MS-TA9019"},
		"a ClusterRoleBinding to cluster-admin is the Cluster-admin binding technique"},
	{"ClusterRole With Wildcard Created", []string{"MS-TA9019"},
		"a role with wildcard verbs or resources grants cluster-admin-like rights"},
	{"ClusterRole With Write Privileges Created", nil,
		"most roles have some write verb; the rule names no technique-specific permission"},
	{"ClusterRole With Pod Exec Created", []string{"MS-TA9006"},
		"a role that grants pods/exec prepares Exec into container"},
	{"K8s Deployment Created", []string{"MS-TA9008"},
		"a new Deployment starts new containers"},
	{"K8s Deployment Deleted", []string{"MS-TA9038"},
		"deleting workloads is data destruction in the matrix's sense"},
	{"K8s Service Created", nil,
		"most services are internal; Create NodePort Service covers the exposing kind"},
	{"K8s Service Deleted", []string{"MS-TA9038"},
		"deleting services disrupts the cluster, which the matrix counts as data destruction"},
	{"K8s ConfigMap Created", nil,
		"creating a ConfigMap is routine; the credentials rule covers the risky kind"},
	{"K8s ConfigMap Deleted", []string{"MS-TA9038"},
		"deleting configuration is data destruction in the matrix's sense"},
	{"K8s Namespace Created", nil,
		"creating a namespace is routine and names no technique"},
	{"K8s Namespace Deleted", []string{"MS-TA9038"},
		"deleting a namespace deletes everything in it"},
	{"K8s Serviceaccount Created", []string{"MS-TA9016"},
		"a new service account can be a persistence foothold through a service account"},
	{"K8s Serviceaccount Deleted", []string{"MS-TA9038"},
		"deleting service accounts breaks the workloads that use them"},
	{"K8s Role Created", nil,
		"creating a role grants nothing until it is bound"},
	{"K8s Role Deleted", []string{"MS-TA9038"},
		"deleting RBAC objects destroys cluster configuration"},
	{"K8s ClusterRole Created", nil,
		"creating a role grants nothing until it is bound"},
	{"K8s ClusterRole Deleted", []string{"MS-TA9038"},
		"deleting RBAC objects destroys cluster configuration"},
	{"K8s RoleBinding Created", []string{"MS-TA9019"},
		"the matrix's detection for Cluster-admin binding is to watch new role bindings"},
	{"K8s RoleBinding Deleted", []string{"MS-TA9038"},
		"deleting RBAC objects destroys cluster configuration"},
	{"K8s ClusterRoleBinding Created", []string{"MS-TA9019"},
		"the matrix's detection for Cluster-admin binding is to watch new cluster role bindings"},
	{"K8s ClusterRoleBinding Deleted", []string{"MS-TA9038"},
		"deleting RBAC objects destroys cluster configuration"},
	{"K8s Role/Clusterrole Created", nil,
		"older name of K8s Role Created and K8s ClusterRole Created; a role grants nothing until it is bound"},
	{"K8s Role/Clusterrole Deleted", []string{"MS-TA9038"},
		"older name of K8s Role Deleted and K8s ClusterRole Deleted"},
	{"K8s Role/Clusterrolebinding Created", []string{"MS-TA9019"},
		"older name of K8s ClusterRoleBinding Created"},
	{"K8s Role/Clusterrolebinding Deleted", []string{"MS-TA9038"},
		"older name of K8s ClusterRoleBinding Deleted"},
	{"K8s Secret Created", nil,
		"creating a secret is routine and names no technique"},
	{"K8s Secret Deleted", []string{"MS-TA9038"},
		"deleting secrets breaks the workloads that use them"},
	{"K8s Secret Get Successfully", []string{"MS-TA9025"},
		"reading a secret through the API is List Kubernetes secrets"},
	{"K8s Secret Get Unsuccessfully Tried", []string{"MS-TA9025"},
		"a denied secret read is an attempt at List Kubernetes secrets"},
	{"All K8s Audit Events", nil,
		"matches every event, so it names no technique"},
	{"Full K8s Administrative Access", []string{"MS-TA9003"},
		"requests by the default admin users of installers (kubernetes-admin, minikube-user) come from their kubeconfig files"},
	{"Ingress Object without TLS Certificate Created", []string{"MS-TA9005"},
		"an Ingress without TLS exposes an interface in clear text"},
	{"Untrusted Node Successfully Joined the Cluster", nil,
		"a rogue node is not a matrix technique"},
	{"Untrusted Node Unsuccessfully Tried to Join the Cluster", nil,
		"a rogue node is not a matrix technique"},
}

// k8sAuditCondition maps a rule by what its expanded condition reads.
type k8sAuditCondition struct {
	Via        string // the field or pattern, shown as the mapping's Via
	Match      func(cond string) bool
	Techniques []string
}

// Condition helpers. cond is lower-cased with spaces collapsed.

func readsField(cond string, fields ...string) bool {
	for _, f := range fields {
		if strings.Contains(cond, f) {
			return true
		}
	}
	return false
}

// fieldValues matches a condition that compares a field with one of some
// values: "field = value", "field in (a, value)", "field intersects
// (value)" or "field contains value". A comparison with != does not match.
type fieldValues struct {
	re     *regexp.Regexp
	values map[string]bool
}

func fieldValue(field string, values ...string) fieldValues {
	f := fieldValues{
		re:     regexp.MustCompile(regexp.QuoteMeta(field) + `\s*(?:=|\bin\b|\bintersects\b|\bcontains\b)\s*(?:\(([^)]*)\)|"?([^\s()"]+)"?)`),
		values: map[string]bool{},
	}
	for _, v := range values {
		f.values[v] = true
	}
	return f
}

// MatchString reports whether the condition compares the field with one
// of the values.
func (f fieldValues) MatchString(cond string) bool {
	for _, m := range f.re.FindAllStringSubmatch(cond, -1) {
		for _, v := range strings.FieldsFunc(m[1]+m[2], func(r rune) bool { return r == ',' || r == ' ' || r == '"' || r == '\'' }) {
			if f.values[v] {
				return true
			}
		}
	}
	return false
}

var (
	subresourceExec      = fieldValue("ka.target.subresource", "exec", "attach")
	subresourceEphemeral = fieldValue("ka.target.subresource", "ephemeralcontainers")
	serviceNodePort      = fieldValue("ka.req.service.type", "nodeport")
	anonymousUser        = fieldValue("ka.user.name", "system:anonymous")
	bindingClusterAdmin  = fieldValue("ka.req.binding.role", "cluster-admin")
	roleWildcardParts    = []fieldValues{fieldValue("ka.req.role.rules.resources", "*"), fieldValue("ka.req.role.rules.verbs", "*")}
	rolePodExec          = fieldValue("ka.req.role.rules.resources", "pods/exec")
	kubeNamespace        = fieldValue("ka.target.namespace", "kube-system", "kube-public")

	resourceSecrets   = fieldValue("ka.target.resource", "secrets")
	resourceEvents    = fieldValue("ka.target.resource", "events")
	resourceCronJobs  = fieldValue("ka.target.resource", "cronjobs")
	resourcePods      = fieldValue("ka.target.resource", "pods")
	resourceSAs       = fieldValue("ka.target.resource", "serviceaccounts")
	resourceBindings  = fieldValue("ka.target.resource", "rolebindings", "clusterrolebindings")
	resourceWebhooks  = fieldValue("ka.target.resource", "mutatingwebhookconfigurations", "validatingwebhookconfigurations")
	resourceWorkloads = fieldValue("ka.target.resource", "deployments", "daemonsets", "statefulsets", "replicasets", "jobs")
	resourceDeletable = fieldValue("ka.target.resource", "deployments", "daemonsets", "statefulsets", "replicasets", "jobs",
		"cronjobs", "services", "configmaps", "secrets", "namespaces", "serviceaccounts", "roles", "clusterroles",
		"rolebindings", "clusterrolebindings", "persistentvolumes", "persistentvolumeclaims")

	verbRead   = fieldValue("ka.verb", "get", "list", "watch")
	verbCreate = fieldValue("ka.verb", "create")
	verbDelete = fieldValue("ka.verb", "delete", "deletecollection")
)

// k8sAuditConditions is the built-in mapping by condition, for rules whose
// name is not in k8sAuditRules. Every matching entry adds its techniques.
var k8sAuditConditions = []k8sAuditCondition{
	{"ka.req.pod.containers.privileged", func(c string) bool {
		return readsField(c, ".containers.privileged", "ka.req.container.privileged")
	}, []string{"MS-TA9018"}},
	{"ka.req.pod.volumes.hostpath", func(c string) bool {
		return readsField(c, "ka.req.pod.volumes.hostpath", "ka.req.volume.hostpath")
	}, []string{"MS-TA9013"}},
	{"ka.req.pod.host_network", func(c string) bool {
		return readsField(c, "ka.req.pod.host_network", "ka.req.container.host_network")
	}, []string{"MS-TA9018", "MS-TA9033", "MS-TA9036"}},
	{"ka.req.pod.host_pid or host_ipc", func(c string) bool {
		return readsField(c, "ka.req.pod.host_pid", "ka.req.pod.host_ipc", "ka.req.container.host_pid", "ka.req.container.host_ipc")
	}, []string{"MS-TA9018"}},
	{"ka.target.subresource exec or attach", subresourceExec.MatchString, []string{"MS-TA9006"}},
	{"ka.target.subresource ephemeralcontainers", subresourceEphemeral.MatchString, []string{"MS-TA9011"}},
	{"ka.req.service.type NodePort", serviceNodePort.MatchString, []string{"MS-TA9005"}},
	{"ka.req.configmap.obj", func(c string) bool { return readsField(c, "ka.req.configmap.obj") }, []string{"MS-TA9027"}},
	{"ka.user.name system:anonymous", anonymousUser.MatchString, []string{"MS-TA9029"}},
	{"ka.req.binding.role cluster-admin", bindingClusterAdmin.MatchString, []string{"MS-TA9019"}},
	{"ka.req.role.rules wildcard", func(c string) bool {
		return roleWildcardParts[0].MatchString(c) || roleWildcardParts[1].MatchString(c)
	}, []string{"MS-TA9019"}},
	{"ka.req.role.rules.resources pods/exec", rolePodExec.MatchString, []string{"MS-TA9006"}},
	{"pod created in kube-system", func(c string) bool {
		return resourcePods.MatchString(c) && verbCreate.MatchString(c) && kubeNamespace.MatchString(c)
	}, []string{"MS-TA9023"}},
	{"secrets read", func(c string) bool { return resourceSecrets.MatchString(c) && verbRead.MatchString(c) }, []string{"MS-TA9025"}},
	{"events deleted", func(c string) bool { return resourceEvents.MatchString(c) && verbDelete.MatchString(c) }, []string{"MS-TA9022"}},
	{"cronjobs created", func(c string) bool { return resourceCronJobs.MatchString(c) && verbCreate.MatchString(c) }, []string{"MS-TA9014"}},
	{"admission webhook configuration", resourceWebhooks.MatchString, []string{"MS-TA9015"}},
	{"service account created", func(c string) bool { return resourceSAs.MatchString(c) && verbCreate.MatchString(c) }, []string{"MS-TA9016"}},
	{"role binding created", func(c string) bool { return resourceBindings.MatchString(c) && verbCreate.MatchString(c) }, []string{"MS-TA9019"}},
	{"workload controller created", func(c string) bool { return resourceWorkloads.MatchString(c) && verbCreate.MatchString(c) }, []string{"MS-TA9008"}},
	{"cluster objects deleted", func(c string) bool { return resourceDeletable.MatchString(c) && verbDelete.MatchString(c) }, []string{"MS-TA9038"}},
}

var k8sAuditByName = func() map[string]*k8sAuditRule {
	idx := make(map[string]*k8sAuditRule, len(k8sAuditRules))
	for i := range k8sAuditRules {
		idx[strings.ToLower(k8sAuditRules[i].Name)] = &k8sAuditRules[i]
	}
	return idx
}()

// mapK8sAudit maps a Falco Kubernetes audit rule with the built-in table:
// by name first, then by its expanded condition.
func mapK8sAudit(r *Rule, name, expanded string) {
	if entry, ok := k8sAuditByName[strings.ToLower(strings.TrimSpace(name))]; ok {
		if len(entry.Techniques) == 0 {
			r.Reason = "built-in mapping: " + entry.Why
			return
		}
		for _, id := range entry.Techniques {
			r.addMapping(Mapping{Technique: id, How: Builtin, Via: "rule name: " + entry.Name, Note: entry.Why})
		}
		return
	}
	for _, id := range conditionTechniques(expanded) {
		r.addMapping(id)
	}
}

// conditionTechniques returns the mappings that a condition's fields give.
func conditionTechniques(expanded string) []Mapping {
	cond := strings.Join(strings.Fields(strings.ToLower(expanded)), " ")
	var out []Mapping
	seen := map[string]bool{}
	for _, c := range k8sAuditConditions {
		if !c.Match(cond) {
			continue
		}
		for _, id := range c.Techniques {
			if !seen[id] {
				seen[id] = true
				out = append(out, Mapping{Technique: id, How: Builtin, Via: "condition: " + c.Via})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Technique < out[j].Technique })
	return out
}
