// Package workload holds checks of workloads beyond their security
// context: resource limits, and names that imitate Kubernetes system
// components.
package workload
