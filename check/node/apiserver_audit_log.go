package node

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-apiserver-audit-log",
		Title: "API server does not write an audit log",
		Rationale: "Without an audit policy (--audit-policy-file) and a backend (--audit-log-path or " +
			"--audit-webhook-config-file), kube-apiserver records no audit events, so deleted events, " +
			"cleared logs and every other API action leave no trace outside the cluster.",
		Remediation: "Start kube-apiserver with --audit-policy-file and --audit-log-path (or " +
			"--audit-webhook-config-file), and ship the log to storage outside the cluster.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9021", "MS-TA9022"},
		Mitigations: []string{"MS-M9020"},
		Since:       "0.1.0",
		Object:      binaryObject(apiserver, apiserverAliases, apiserverAuditLog),
	})
}

// apiserverAuditLog requires both a policy and a backend: without
// --audit-policy-file, k8s.io/apiserver (pkg/server/options/audit.go) logs
// "No audit policy file provided, no events will be recorded" and builds no
// backend.
func apiserverAuditLog(o *source.Object, c binaryContainer, r *check.Reporter) bool {
	var missing []string
	if f, ok := c.Flags.get("audit-policy-file"); !ok || f.Value == "" {
		missing = append(missing, "--audit-policy-file")
	}
	logPath, hasLog := c.Flags.get("audit-log-path")
	webhook, hasWebhook := c.Flags.get("audit-webhook-config-file")
	if (!hasLog || logPath.Value == "") && (!hasWebhook || webhook.Value == "") {
		missing = append(missing, "--audit-log-path or --audit-webhook-config-file")
	}
	if len(missing) == 0 {
		return false
	}
	r.Fail(commandLine(c.Container), strings.Join(missing, ", ")+" not set",
		"%s does not set %s, so no audit events are recorded; add an audit policy and a log or webhook backend",
		containerName(o, c), strings.Join(missing, " and "))
	return true
}
