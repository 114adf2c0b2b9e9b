// Package cluster holds the checks that only a live cluster can evaluate:
// the effective RBAC permissions behind each pod's service account, mirror
// pods of static pods, and pods whose events are missing. It also makes
// the kubelet checks of package node depend on the node proxy, through
// which a cluster scan reads kubelet configurations.
package cluster

// Mitigation IDs that several checks name.
const (
	leastPrivilege   = "MS-M9003"
	noTokenAutomount = "MS-M9025"
	remoteLogs       = "MS-M9020"
)
