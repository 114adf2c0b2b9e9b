package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubethreat/kubethreat/source"
)

// Result is the outcome of Read.
type Result struct {
	// Objects are in the order of Resources, each resource's objects in
	// the order the API server listed them, then the Gatekeeper
	// constraints and the kubelet configurations.
	Objects []*source.Object
	// Unreadable maps a resource name (see Resource.Name) to the reason it
	// could not be read, such as a missing list permission.
	Unreadable map[string]string
	Info       Info
	// Listed counts the objects kept per resource name, and Owned the
	// objects dropped because a scanned controller owns them.
	Listed map[string]int
	Owned  map[string]int
	// NotServed names the optional resources the cluster does not serve.
	NotServed []string
	// Warnings describe what was read only in part, such as a node whose
	// kubelet did not respond.
	Warnings []string
}

// Info describes the cluster beyond its objects.
type Info struct {
	Name      string // kubeconfig context, or "in-cluster"
	Server    string
	Namespace string // the namespace read, or "" for all
	Version   string // the API server's gitVersion, such as "v1.37.2"
	// Provider is "aks", "eks" or "gke" when node labels or provider IDs
	// show a managed service, and "" otherwise.
	Provider string
	// AdmissionPlugins are the plugins that the kube-apiserver mirror pod
	// enables with --enable-admission-plugins; AdmissionPluginsKnown is
	// false when no such pod is visible, as on managed services.
	AdmissionPlugins      []string
	AdmissionPluginsKnown bool
}

// Read reads the target cluster. It fails when the cluster cannot be
// reached at all; a resource that cannot be read is recorded in
// Result.Unreadable instead.
func Read(ctx context.Context, t *Target, opts Options) (*Result, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	r, err := newReader(t, opts)
	if err != nil {
		return nil, err
	}
	if err := r.discover(ctx); err != nil {
		return nil, err
	}
	tasks := r.plan()
	r.checkAccess(ctx, tasks)
	r.listAll(ctx, tasks)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading cluster %s: %w (raise --timeout)", t.Name, err)
	}
	r.readKubelets(ctx)
	r.describe()
	return r.result(), nil
}

// reader is the state of one Read.
type reader struct {
	target  *Target
	opts    Options
	client  kubernetes.Interface
	rest    rest.Interface
	workers int
	log     *slog.Logger

	served map[schema.GroupResource]string // served resources and the version to read
	res    *Result

	mu      sync.Mutex
	byTask  map[string][]*source.Object // objects per resource name
	allowed map[string]bool             // resource names whose list is allowed
	objects atomic.Int64
}

func newReader(t *Target, opts Options) (*reader, error) {
	client, err := kubernetes.NewForConfig(t.Config)
	if err != nil {
		return nil, fmt.Errorf("creating the client for cluster %s: %w", t.Name, err)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &reader{
		target:  t,
		opts:    opts,
		client:  client,
		rest:    client.CoreV1().RESTClient(),
		workers: workers,
		log:     log.With("cluster", t),
		res: &Result{
			Unreadable: map[string]string{},
			Listed:     map[string]int{},
			Owned:      map[string]int{},
			Info:       Info{Name: t.Name, Server: t.Config.Host, Namespace: t.Namespace},
		},
		byTask:  map[string][]*source.Object{},
		allowed: map[string]bool{},
	}, nil
}

func (r *reader) progress(phase, resource string) {
	if r.opts.Progress != nil {
		r.opts.Progress(Progress{Phase: phase, Resource: resource, Objects: int(r.objects.Load())})
	}
}

// discover reads the server version and the served resources. A group
// whose discovery fails makes the resources of that group unreadable.
func (r *reader) discover(ctx context.Context) error {
	r.progress("discovering the API", "")
	dc, ok := r.client.Discovery().(*discovery.DiscoveryClient)
	if !ok {
		return errors.New("unexpected discovery client type")
	}
	v, err := dc.ServerVersionWithContext(ctx)
	if err != nil {
		return fmt.Errorf("connecting to cluster %s at %s: %w", r.target.Name, r.target.Config.Host, err)
	}
	r.res.Info.Version = v.GitVersion

	groups, lists, err := dc.ServerGroupsAndResourcesWithContext(ctx)
	var failed *discovery.ErrGroupDiscoveryFailed
	if err != nil && !errors.As(err, &failed) {
		return fmt.Errorf("discovering the resources of cluster %s: %w", r.target.Name, err)
	}
	r.served = servedResources(groups, lists)
	if failed != nil {
		r.markFailedGroups(failed)
	}
	return nil
}

// servedResources maps each served resource to the version to read: the
// group's preferred version when it serves the resource there, else the
// first version that serves it.
func servedResources(groups []*metav1.APIGroup, lists []*metav1.APIResourceList) map[schema.GroupResource]string {
	preferred := map[string]string{}
	for _, g := range groups {
		preferred[g.Name] = g.PreferredVersion.Version
	}
	served := map[schema.GroupResource]string{}
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, ar := range list.APIResources {
			if strings.Contains(ar.Name, "/") {
				continue
			}
			gr := schema.GroupResource{Group: gv.Group, Resource: ar.Name}
			if _, seen := served[gr]; !seen || gv.Version == preferred[gv.Group] {
				served[gr] = gv.Version
			}
		}
	}
	return served
}

func (r *reader) markFailedGroups(failed *discovery.ErrGroupDiscoveryFailed) {
	for gv, err := range failed.Groups {
		for _, res := range Resources {
			if res.Group == gv.Group {
				r.res.Unreadable[res.Name()] = fmt.Sprintf("discovery of API group %s failed: %v", gv, err)
			}
		}
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("discovery of API group %s failed: %v", gv, err))
	}
	sort.Strings(r.res.Warnings)
}

// plan returns the lists to run: each resource of Resources that the
// server serves, and each Gatekeeper constraint resource.
func (r *reader) plan() []listTask {
	var tasks []listTask
	for _, res := range Resources {
		if _, failed := r.res.Unreadable[res.Name()]; failed {
			continue
		}
		version, ok := r.served[res.GroupResource()]
		if !ok {
			r.notServed(res)
			continue
		}
		t := listTask{res: res, version: version}
		if res.Namespaced {
			t.namespace = r.target.Namespace
		}
		if res.Group == "" && res.Resource == "namespaces" && r.target.Namespace != "" {
			t.onlyName = r.target.Namespace
		}
		tasks = append(tasks, t)
	}
	return append(tasks, r.constraintTasks()...)
}

func (r *reader) notServed(res Resource) {
	if res.Optional {
		r.res.NotServed = append(r.res.NotServed, qualified(res))
		return
	}
	r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(
		"the API server does not serve %s, so the scan reads no such objects", qualified(res)))
}

// constraintTasks returns a list per Gatekeeper constraint resource. Each
// ConstraintTemplate defines one, named after the template's kind.
func (r *reader) constraintTasks() []listTask {
	var tasks []listTask
	for gr, version := range r.served {
		if gr.Group != GatekeeperConstraintGroup {
			continue
		}
		res := Resource{Group: gr.Group, Resource: gr.Resource, Optional: true}
		tasks = append(tasks, listTask{res: res, version: version})
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].res.Resource < tasks[j].res.Resource })
	return tasks
}

// checkAccess reviews the list permission of every task at once, with up
// to r.workers reviews in flight, and of get on nodes/proxy.
func (r *reader) checkAccess(ctx context.Context, tasks []listTask) {
	r.progress("checking permissions", "")
	rv := reviewer{client: r.client.AuthorizationV1().SelfSubjectAccessReviews()}
	r.parallel(len(tasks), func(i int) {
		t := tasks[i]
		a := rv.review(ctx, t.res.Group, t.res.Resource, "", "list", t.namespace)
		r.mu.Lock()
		defer r.mu.Unlock()
		if a.known && !a.allowed {
			r.res.Unreadable[t.res.Name()] = forbiddenReason("list", t.res, t.namespace)
			return
		}
		r.allowed[t.res.Name()] = true
	})
}

// listAll runs the allowed lists, up to r.workers at once.
func (r *reader) listAll(ctx context.Context, tasks []listTask) {
	l := &lister{
		client:   r.rest,
		pageSize: r.opts.PageSize,
		loc:      r.target.Location(),
		owned:    r.opts.IncludeOwned,
		progress: func(resource string, n int) {
			r.objects.Add(int64(n))
			r.progress("listing", resource)
		},
	}
	if l.pageSize <= 0 {
		l.pageSize = DefaultPageSize
	}
	builders := make(chan *builder, r.workers)
	for range r.workers {
		builders <- newBuilder()
	}
	r.parallel(len(tasks), func(i int) {
		t := tasks[i]
		if !r.allowed[t.res.Name()] {
			return
		}
		b := <-builders
		defer func() { builders <- b }()
		objects, stats, err := l.list(ctx, b, t)
		r.record(t, objects, stats, err)
	})
	for _, t := range tasks {
		r.res.Objects = append(r.res.Objects, r.byTask[t.res.Name()]...)
	}
}

// record files the outcome of one list.
func (r *reader) record(t listTask, objects []*source.Object, stats listStats, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := t.res.Name()
	switch {
	case err == nil:
		r.byTask[name] = objects
		r.res.Listed[name] = stats.kept
		if stats.owned > 0 {
			r.res.Owned[name] = stats.owned
		}
	case isForbidden(err):
		r.res.Unreadable[name] = forbiddenReason("list", t.res, t.namespace)
	case isNotServed(err) && t.res.Optional:
		r.res.NotServed = append(r.res.NotServed, qualified(t.res))
	default:
		r.res.Unreadable[name] = fmt.Sprintf("listing %s failed: %v", qualified(t.res), err)
		r.log.Debug("list failed", "resource", name, "error", err)
	}
}

// parallel calls fn for 0..n-1 on up to r.workers goroutines.
func (r *reader) parallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (r *reader) result() *Result {
	sort.Strings(r.res.NotServed)
	return r.res
}
