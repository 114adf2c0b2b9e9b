// Package rbac holds the checks on Roles, ClusterRoles and their bindings.
// The checks evaluate each rule as the API server's RBAC authorizer would
// (see grants), so that a wildcard limited to one API group is not mistaken
// for cluster-wide access.
package rbac
