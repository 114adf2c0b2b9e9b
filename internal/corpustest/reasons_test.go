package corpustest

// The reasons kubethreat disagrees with a peer's expected outcome, by case.
// docs/scan.md lists the same reasons; keep the two in step.

const (
	reasonDefaultRoles   = "polaris exempts built-in and system: roles by name; kubethreat judges every role by its rules, because a name is no proof of origin"
	reasonAllVerbs       = "the role lists get to delete on every resource of every group; rbac-cluster-admin-binding counts a role as cluster-admin only when a rule grants * verbs, and rbac-secrets-read and rbac-create-workloads fail the same role"
	reasonMissingRef     = "the binding refers to a role that is not in the input; kubethreat judges roles by their rules and cannot judge a missing one"
	reasonCombinedLimits = "workload-no-resource-limits needs both CPU and memory limits, where the peer checks one resource at a time"
	reasonRequests       = "kube-score also wants requests; kubethreat checks limits only, which bound resource hijacking and denial of service"
	reasonEgress         = "network-namespace-unprotected checks ingress isolation only; egress to the metadata endpoint is network-metadata-egress-open's job"
)

var kubeLinterReasons = map[string]string{
	"env-var-secret":    "kube-linter judges the variable name SECRET_*; secrets-env-credentials needs a credential-shaped value, and \"secretsquirrels\" is not one",
	"non-isolated-pod":  "network-namespace-unprotected reports once per namespace and lists its unprotected workloads; kube-linter reports each workload",
	"run-as-non-root":   "kube-linter also fails runAsGroup: 0 with a non-zero runAsUser; pod-run-as-root judges the user only",
	"wildcard-in-rules": "kube-linter fails any wildcard; rbac-wildcard-role fails only * verbs on * resources of * groups, and rbac-secrets-read covers this fixture's secrets rule",
}

var polarisReasons = map[string]string{
	"clusterrolePodExecAttach/success.defaultclusterrole_admin.yaml":                                                     reasonDefaultRoles,
	"clusterrolePodExecAttach/success.defaultclusterrole_clusteradmin.yaml":                                              reasonDefaultRoles,
	"clusterrolePodExecAttach/success.gce_calico_clusterrole.yaml":                                                       reasonDefaultRoles,
	"clusterrolePodExecAttach/success.system_prefix.yaml":                                                                reasonDefaultRoles,
	"clusterrolebindingClusterAdmin/failure.all_verbs.yaml":                                                              reasonAllVerbs,
	"clusterrolebindingClusterAdmin/failure.all_verbs_different_order.yaml":                                              reasonAllVerbs,
	"clusterrolebindingClusterAdmin/success.gce_calico_binding.yaml":                                                     reasonDefaultRoles,
	"clusterrolebindingClusterAdmin/success.system_prefix_binding.yaml":                                                  reasonDefaultRoles,
	"clusterrolebindingPodExecAttach/failure.binding_points_to_missing_ref.yaml":                                         reasonMissingRef,
	"clusterrolebindingPodExecAttach/success.defaultclusterrolebinding_clusteradmin.yaml":                                reasonDefaultRoles,
	"clusterrolebindingPodExecAttach/success.defaultclusterrolebinding_system-controller-generic-garbage-collector.yaml": reasonDefaultRoles,
	"clusterrolebindingPodExecAttach/success.gce_calico_binding.yaml":                                                    reasonDefaultRoles,
	"clusterrolebindingPodExecAttach/success.system_prefix_binding.yaml":                                                 reasonDefaultRoles,
	"insecureCapabilities/failure.drop-most.yaml":                                                                        "polaris wants drop: [ALL]; pod-capabilities-not-dropped accepts a list that drops NET_RAW, the capability behind ARP spoofing",
	"memoryLimitsMissing/success.yaml":                                                                                   reasonCombinedLimits,
	"missingNetworkPolicy/failure.netpol_missing_egress_in_policytypes.yaml":                                             reasonEgress,
	"missingNetworkPolicy/failure.netpol_missing_egress_rules.yaml":                                                      reasonEgress,
	"missingNetworkPolicy/failure.netpol_missing_ingress_rules.yaml":                                                     "the policy lists Ingress in policyTypes with no rules, which denies all ingress; kubethreat counts that as isolated, polaris wants explicit rules",
	"procMount/failure.yaml":                                                         "procMount: Other is not a value the API server accepts (Default or Unmasked); pod-proc-mount-unmasked fails Unmasked only",
	"rolePodExecAttach/success.gce_calico_binding.yaml":                              reasonDefaultRoles,
	"rolePodExecAttach/success.system_prefix_binding.yaml":                           reasonDefaultRoles,
	"rolebindingClusterAdminClusterRole/failure.all_verbs.yaml":                      reasonAllVerbs,
	"rolebindingClusterAdminClusterRole/failure.all_verbs_different_order.yaml":      reasonAllVerbs,
	"rolebindingClusterAdminClusterRole/success.gce_calico_binding.yaml":             reasonDefaultRoles,
	"rolebindingClusterAdminClusterRole/success.system_prefix_binding.yaml":          reasonDefaultRoles,
	"rolebindingClusterAdminRole/failure.all_verbs.yaml":                             reasonAllVerbs,
	"rolebindingClusterAdminRole/failure.all_verbs_different_order.yaml":             reasonAllVerbs,
	"rolebindingClusterAdminRole/success.gce_calico_binding.yaml":                    reasonDefaultRoles,
	"rolebindingClusterAdminRole/success.system_prefix_binding.yaml":                 reasonDefaultRoles,
	"rolebindingClusterRolePodExecAttach/failure.binding_points_to_missing_ref.yaml": reasonMissingRef,
	"rolebindingClusterRolePodExecAttach/success.gce_calico_binding.yaml":            reasonDefaultRoles,
	"rolebindingClusterRolePodExecAttach/success.system_prefix_binding.yaml":         reasonDefaultRoles,
	"rolebindingRolePodExecAttach/failure.binding_points_to_missing_ref.yaml":        reasonMissingRef,
	"rolebindingRolePodExecAttach/success.gce_calico_binding.yaml":                   reasonDefaultRoles,
	"rolebindingRolePodExecAttach/success.role_binding_cluster_role_binding.yaml":    "polaris's check covers RoleBindings to Roles only; rbac-pod-exec fails the wildcard ClusterRole in the same file",
	"rolebindingRolePodExecAttach/success.system_prefix_binding.yaml":                reasonDefaultRoles,
	"sensitiveConfigmapContent/failure.key_aws_secret_access_key.yaml":               "the value is the placeholder xxxxx; secrets-configmap-credentials needs a credential-shaped value so that placeholders do not fail",
	"sensitiveConfigmapContent/failure.key_azure_batch_key.yaml":                     "the value is the placeholder xxxxx; secrets-configmap-credentials needs a credential-shaped value so that placeholders do not fail",
	"sensitiveConfigmapContent/failure.key_oci_cli_key_content.yaml":                 "the value is the placeholder xxxxx; secrets-configmap-credentials needs a credential-shaped value so that placeholders do not fail",
}

var trivyReasons = map[string]string{
	"KSV-0002 bad[0]":  "the annotation names a profile \"custom\"; pod-apparmor-unconfined fails unconfined only, as the Pod Security baseline does",
	"KSV-0006 bad[0]":  "the docker.sock volume is declared but no container mounts it; hostpath-runtime-socket judges mounts, and hostpath-volume reports the volume",
	"KSV-0011 good[0]": reasonCombinedLimits,
	"KSV-0018 good[0]": reasonCombinedLimits,
	"KSV-0022 bad[0]":  "the container adds NET_BIND_SERVICE, which the Pod Security baseline and restricted levels allow; trivy fails any added capability",
	"KSV-0030 bad[0]":  "seccompProfile.type LocalPort is not a type the API server accepts; the seccomp checks fail a missing or Unconfined profile",
	"KSV-0036 good[0]": "the pod mounts the default service account token; trivy's example passes it, and secrets-sa-token-automount fails every automounted token",
}

var kubeScoreReasons = map[string]string{
	"networkpolicy-matching-only-ingress.yaml (Pod NetworkPolicy)": reasonEgress,
	"pod-test-resources-only-limits.yaml (Container Resources)":    reasonRequests,
	"deployment-test-resources.yaml (Container Resources)":         reasonRequests,
	"statefulset-test-resources.yaml (Container Resources)":        reasonRequests,
}
