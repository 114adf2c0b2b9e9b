package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/report"
	"github.com/kubethreat/kubethreat/source/cluster"
)

// clusterOptions are the flags of `scan --cluster`. Their names follow
// kubectl.
type clusterOptions struct {
	enabled       bool
	kubeconfig    string
	context       string
	namespace     string
	allNamespaces bool
	timeout       time.Duration
	includeOwned  bool
	// workers bounds the requests in flight; 0 means
	// cluster.DefaultWorkers. The scan command sets it from --workers.
	workers int
	// onProgress, when set, receives the progress instead of the writer
	// passed to inventory.
	onProgress func(stage string, objects int)
}

// clusterFlagNames are the flags that only make sense with --cluster.
var clusterFlagNames = []string{"kubeconfig", "context", "namespace", "all-namespaces", "timeout", "include-owned"}

func (o *clusterOptions) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.enabled, "cluster", false, "scan the live cluster of the kubeconfig context (read-only) instead of files")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the pod's service account)")
	fs.StringVar(&o.context, "context", "", "kubeconfig context to scan (default: the current context)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "scan namespaced objects of this namespace only (default: the context's namespace)")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "scan every namespace")
	fs.DurationVar(&o.timeout, "timeout", cluster.DefaultTimeout, "give up reading the cluster after this long, such as 90s or 5m")
	fs.BoolVar(&o.includeOwned, "include-owned", false, "also scan pods, ReplicaSets and Jobs that a Deployment, StatefulSet, DaemonSet, Job or CronJob owns")
}

// validate rejects cluster flags without --cluster, paths with it, and -n
// with -A.
func (o *clusterOptions) validate(fs *pflag.FlagSet, args []string) error {
	if !o.enabled {
		for _, name := range clusterFlagNames {
			if fs.Changed(name) {
				return usageErrorf("--%s applies only to cluster scans; add --cluster", name)
			}
		}
		return nil
	}
	switch {
	case len(args) > 0:
		return usageErrorf("scan --cluster reads the cluster and takes no paths, but got %s", strings.Join(args, " "))
	case o.allNamespaces && fs.Changed("namespace"):
		return usageErrorf("-n/--namespace and -A/--all-namespaces exclude each other; pass one")
	case o.timeout <= 0:
		return usageErrorf("invalid --timeout %s: use a positive duration such as 5m", o.timeout)
	}
	return nil
}

// inventory reads the cluster. It returns the inventory to check and
// warnings about what was read only in part. Progress goes to progress
// when it is a terminal, unless onProgress is set. It fails when the
// cluster cannot be reached, or when the scanning identity could read
// nothing at all.
func (o *clusterOptions) inventory(ctx context.Context, progress io.Writer) (*check.Inventory, []string, error) {
	opts := cluster.Options{
		Kubeconfig:    o.kubeconfig,
		Context:       o.context,
		Namespace:     o.namespace,
		AllNamespaces: o.allNamespaces,
		Timeout:       o.timeout,
		Workers:       o.workers,
		IncludeOwned:  o.includeOwned,
		UserAgent:     "kubethreat/" + Version,
	}
	target, err := cluster.Connect(opts)
	if err != nil {
		return nil, nil, err
	}

	onProgress := o.onProgress
	if onProgress == nil && progress != nil && isTerminal(progress) {
		line := &progressLine{w: progress}
		defer line.clear()
		onProgress = line.show
	}
	if onProgress != nil {
		opts.Progress = func(p cluster.Progress) { onProgress(progressStage(p), p.Objects) }
	}

	res, err := cluster.Read(ctx, target, opts)
	if err != nil {
		return nil, nil, err
	}
	if len(res.Objects) == 0 && len(res.Unreadable) > 0 {
		return nil, nil, nothingReadable(target, res)
	}
	return clusterInventory(res), clusterWarnings(res), nil
}

func progressStage(p cluster.Progress) string {
	if p.Resource != "" {
		return p.Phase + " " + p.Resource
	}
	return p.Phase
}

// clusterInventory turns what the cluster reader found into the inventory
// the checks read.
func clusterInventory(res *cluster.Result) *check.Inventory {
	inv := check.NewInventory(res.Objects)
	for name, reason := range res.Unreadable {
		inv.Unreadable[name] = reason
	}
	inv.Cluster = &check.ClusterInfo{
		Server:           res.Info.Server,
		Version:          res.Info.Version,
		Provider:         res.Info.Provider,
		AdmissionPlugins: res.Info.AdmissionPlugins,
	}
	return inv
}

// clusterWarnings lists what a cluster scan could not see: each unreadable
// resource, the reader's own warnings, and admission plugins it could not
// tell.
func clusterWarnings(res *cluster.Result) []string {
	var out []string
	for _, name := range sortedMapKeys(res.Unreadable) {
		out = append(out, fmt.Sprintf("checks that need %s are not evaluated: %s", name, res.Unreadable[name]))
	}
	out = append(out, res.Warnings...)
	if !res.Info.AdmissionPluginsKnown {
		out = append(out, "the API server's admission plugins are unknown: no kube-apiserver mirror pod is visible in kube-system, as on managed services or with -n")
	}
	return out
}

// nothingReadable explains a scan that could read no object at all, which
// is an error rather than a report in which every check is not evaluated.
func nothingReadable(target *cluster.Target, res *cluster.Result) error {
	reasons := make([]string, 0, len(res.Unreadable))
	for _, name := range sortedMapKeys(res.Unreadable) {
		reasons = append(reasons, res.Unreadable[name])
	}
	sort.Strings(reasons)
	return &exitError{code: ExitUsage, err: fmt.Errorf(
		"the scanning identity of cluster %s could read none of the %d resources it needs:\n  %s\nbind it to the ClusterRoles in deploy/kubethreat-rbac.yaml",
		target.Name, len(res.Unreadable), strings.Join(reasons, "\n  "))}
}

// clusterStage is the input stage of `scan --cluster`.
func clusterStage(o *clusterOptions, f *scanFlags) inputStage {
	return func(ctx context.Context, prog *progress) (*loaded, error) {
		o.workers = f.workers
		o.onProgress = func(stage string, objects int) { prog.set(stage, -1, objects) }
		prog.set("connecting", -1, -1)

		inv, warnings, err := o.inventory(ctx, nil)
		if err != nil {
			var exit *exitError
			if errors.As(err, &exit) {
				return nil, err
			}
			return nil, &exitError{code: ExitUsage, err: err}
		}
		in := &loaded{inv: inv, inputs: []string{"cluster " + clusterName(inv)}}
		for _, w := range warnings {
			in.diagnostics = append(in.diagnostics, report.Diagnostic{Severity: report.SeverityWarning, Message: w})
		}
		prog.set("read the cluster", -1, len(inv.Objects))
		return in, nil
	}
}

// clusterName names the scanned cluster in the report's inputs: the
// location the objects carry, which is the kubeconfig context or the
// server URL.
func clusterName(inv *check.Inventory) string {
	for _, o := range inv.Objects {
		if o.Loc.Cluster != "" {
			return o.Loc.Cluster
		}
	}
	return inv.Cluster.Server
}

// progressLine rewrites one terminal line with the progress, at most every
// quarter second.
type progressLine struct {
	mu      sync.Mutex
	w       io.Writer
	last    time.Time
	printed bool
}

func (p *progressLine) show(stage string, objects int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[Kkubethreat: %s (%d objects)", stage, objects)
	p.printed = true
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
