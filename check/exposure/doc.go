// Package exposure holds the checks on interfaces reachable from outside
// the cluster: dashboards and other management interfaces published
// through Services, Ingresses or host networking, the Kubernetes
// dashboard's login bypass flags, and SSH servers in containers.
package exposure
