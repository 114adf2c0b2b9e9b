package cluster

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
	"github.com/kubethreat/kubethreat/source/cluster"
)

func init() {
	check.Register(&check.Check{
		ID:    "cluster-events-missing",
		Title: "Recently scheduled pod has no events",
		Rationale: "The default scheduler records a Scheduled event for every pod it places, and the API " +
			"server keeps events for the time set by --event-ttl, one hour by default. A pod scheduled " +
			"within that time whose events are gone suggests that someone deleted events to hide what " +
			"they did. The cluster cannot show who deleted them: only an audit log sent off the cluster can.",
		Remediation: "Find who deleted events in the API server's audit log, send audit logs and events " +
			"to storage outside the cluster, and remove delete on events from roles that do not need it.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9022"},
		Mitigations: []string{remoteLogs, leastPrivilege},
		Since:       "0.1.0",
		Needs:       []string{"events", "pods"},
		Inventory:   checkEventsMissing,
	})
}

// now is the clock of the events check; tests replace it.
var now = time.Now

// defaultEventTTL is the API server's --event-ttl default.
const defaultEventTTL = time.Hour

// eventMargin is left at the end of the TTL, so that a pod's events that
// expire while the scan runs are not taken for deleted ones.
const eventMargin = 10 * time.Minute

// auditGuidance names, per managed service, the audit log that records
// deleted events.
var auditGuidance = map[string]string{
	cluster.ProviderAKS: "on AKS, enable the kube-audit diagnostic setting to send audit logs to Log Analytics or a storage account",
	cluster.ProviderEKS: "on EKS, enable the audit control plane log type to send audit logs to CloudWatch Logs",
	cluster.ProviderGKE: "on GKE, Cloud Audit Logs record event deletions as Admin Activity",
}

func checkEventsMissing(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	// A scan of manifests has neither cluster information nor events, and
	// the check does not apply to it.
	if inv.Cluster == nil && len(inv.Kind("Event")) == 0 {
		return
	}
	ttl := eventTTL(inv)
	window := ttl - eventMargin
	covered := map[string]bool{}
	for _, e := range inv.Kind("Event") {
		if uid := e.Get("involvedObject.uid").Str(); uid != "" {
			covered[uid] = true
		}
		if uid := e.Get("regarding.uid").Str(); uid != "" {
			covered[uid] = true
		}
	}

	evaluated := 0
	for _, pod := range inv.Kind("Pod") {
		scheduled, ok := scheduledAt(pod)
		if !ok || now().Sub(scheduled) > window {
			continue
		}
		evaluated++
		uid := pod.Get("metadata.uid").Str()
		if covered[uid] {
			r.Pass(pod.Ref, pod.Loc)
			continue
		}
		age := now().Sub(scheduled).Round(time.Minute)
		r.FailRef(pod.Ref, pod.Loc, "metadata.uid", "uid "+uid,
			"%s was scheduled %s ago (%s), within the event TTL of %s, but the cluster holds no event about it, although the scheduler records one for every pod it places; events may have been deleted: look for delete requests on events in the audit log%s",
			pod.Ref, age, scheduled.UTC().Format(time.RFC3339), ttl, guidance(inv))
	}
	if evaluated == 0 {
		r.NotEvaluated(source.Ref{Kind: "Check", Name: "cluster-events-missing"}, source.Location{}, fmt.Sprintf(
			"no pod in the scan was scheduled by the default scheduler in the last %s, so missing events cannot be told from expired ones; only an audit log shows deleted events%s",
			window, guidance(inv)))
	}
}

func guidance(inv *check.Inventory) string {
	if inv.Cluster == nil {
		return ""
	}
	if g := auditGuidance[inv.Cluster.Provider]; g != "" {
		return " (" + g + ")"
	}
	return ""
}

// scheduledAt returns when the default scheduler placed a pod: the time of
// its PodScheduled condition. Mirror pods and pods of other schedulers
// are skipped, because the default scheduler records no event for them.
func scheduledAt(pod *source.Object) (time.Time, bool) {
	if _, mirror := pod.Annotations()[cluster.MirrorAnnotation]; mirror {
		return time.Time{}, false
	}
	if s := pod.Get("spec.schedulerName").Str(); s != "" && s != "default-scheduler" {
		return time.Time{}, false
	}
	for _, c := range pod.Get("status.conditions").Items() {
		if c.Field("type").Str() != "PodScheduled" || c.Field("status").Str() != "True" {
			continue
		}
		t, err := time.Parse(time.RFC3339, c.Field("lastTransitionTime").Str())
		return t, err == nil
	}
	return time.Time{}, false
}

// eventTTL returns the --event-ttl of a visible kube-apiserver mirror pod,
// or the default.
func eventTTL(inv *check.Inventory) time.Duration {
	for _, pod := range inv.Kind("Pod") {
		if pod.Namespace != "kube-system" {
			continue
		}
		for _, c := range pod.Get("spec.containers").Items() {
			args := append(c.Field("command").Strings(), c.Field("args").Strings()...)
			if v, ok := flagValue(args, "event-ttl"); ok {
				if d, err := time.ParseDuration(v); err == nil && d > 0 {
					return d
				}
			}
		}
	}
	return defaultEventTTL
}

// flagValue returns the value of --name=value or --name value.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}
