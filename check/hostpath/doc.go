// Package hostpath holds the checks of hostPath volumes. They report
// containers that can write to the node's file system, and mounted paths
// that expose the container runtime socket, static pod manifests, container
// logs, cloud credentials or other files that hand over the node.
//
// A volume counts as writable when at least one container mounts it without
// readOnly: true. A mount with a literal subPath exposes only that part of
// the host path. The Pod Security Standards forbid hostPath volumes at the
// Baseline level, so every hostPath volume fails at least one check here:
// hostpath-volume reports those that no other check in this package
// reports.
package hostpath
