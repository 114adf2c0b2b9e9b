// Package secrets holds the checks of credentials in the open: secrets
// written as literal environment variable values or into ConfigMaps, and
// service account tokens mounted into pods that do not need them.
//
// Findings never show a secret in full: evidence and messages carry the
// output of Redact.
package secrets
