// Package image holds the checks of container image references: mutable
// tags, missing digests and registries outside the configured allow-list.
package image
