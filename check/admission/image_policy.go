package admission

import "github.com/kubethreat/kubethreat/check"

func init() {
	check.Register(&check.Check{
		ID:    "admission-image-policy-present",
		Title: "No admission policy restricts which images pods may run",
		Rationale: "Without an admission policy that limits registries, forbids mutable tags, requires digests " +
			"or verifies signatures, anyone who can create a pod can run any image, including a compromised " +
			"or look-alike one from a public registry. The check counts Kyverno policies whose rules verify " +
			"images or validate image fields, Gatekeeper constraints of the library's image kinds " +
			"(K8sAllowedRepos, K8sAllowedReposv2, K8sDisallowedRepos, K8sDisallowedTags, K8sImageDigests) and " +
			"ValidatingAdmissionPolicies whose expressions read images. Policies that only audit or warn do " +
			"not count. It reports for the whole input, and only when the input runs workloads.",
		Remediation: "Add an enforcing admission policy that allows images only from your registries, ideally " +
			"pinned by digest and verified by signature, and apply it to every namespace that runs workloads.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9002"},
		Mitigations: []string{"MS-M9005.003"},
		Since:       "0.1.0",
		Needs:       policyNeeds,
		Prevention:  true,
		Inventory: presenceSpec{
			control: controlImages,
			what:    "restricts which images pods may run",
			fix:     "add an enforcing Kyverno, Gatekeeper or ValidatingAdmissionPolicy policy that allows images only from your registries",
		}.inventory,
	})
}
