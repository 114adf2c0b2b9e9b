// Package network holds the checks on NetworkPolicies: which namespaces'
// pods no policy isolates, policies that allow all traffic, and egress to
// cloud instance metadata. Policies are evaluated as the API server defines
// them: label selectors term by term, policyTypes with their defaults, and
// ipBlock CIDRs with their exceptions.
package network
