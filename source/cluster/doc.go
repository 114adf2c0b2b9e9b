// Package cluster reads the objects of a live Kubernetes cluster for a
// scan, with get and list requests only.
//
// Read connects the way kubectl does (a kubeconfig file and context, or the
// in-cluster service account), asks the API server which list permissions
// the scanning identity has, and lists each resource page by page. Every
// item of a page is converted straight from the response's JSON into the
// yaml.v3 node tree that checks read, so memory grows with the objects kept
// and not with the size of a page. Secrets are listed as metadata only,
// with an Accept header that leaves the API server no way to send their
// values.
//
// A resource that the identity may not list is recorded in
// Result.Unreadable with the missing verb and resource, so that the checks
// that need it are reported not evaluated rather than passed.
package cluster
