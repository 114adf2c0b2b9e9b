package check

import (
	"sort"
	"sync"

	"github.com/kubethreat/kubethreat/source"
)

// Inventory is the set of objects a scan evaluates, indexed by kind.
type Inventory struct {
	Objects []*source.Object

	// Unreadable maps a resource, such as "secrets" or "clusterroles", to
	// the reason it could not be read. Checks that need it are not
	// evaluated.
	Unreadable map[string]string

	// Cluster holds what a live cluster showed beyond its objects; it is
	// nil for manifest scans.
	Cluster *ClusterInfo

	byKind map[string][]*source.Object

	memoMu sync.Mutex
	memo   map[any]*memoEntry
}

type memoEntry struct {
	once  sync.Once
	value any
}

// Memo returns the value that build computes for key, calling build once
// per inventory however many checks and goroutines ask. Checks use it for
// indexes they share, such as bindings by role, so that relating objects
// stays linear in the inventory's size. Keys should be values of an
// unexported type, as with context keys.
func (inv *Inventory) Memo(key any, build func() any) any {
	inv.memoMu.Lock()
	if inv.memo == nil {
		inv.memo = map[any]*memoEntry{}
	}
	e, ok := inv.memo[key]
	if !ok {
		e = &memoEntry{}
		inv.memo[key] = e
	}
	inv.memoMu.Unlock()
	e.once.Do(func() { e.value = build() })
	return e.value
}

// ClusterInfo describes a live cluster.
type ClusterInfo struct {
	Server           string   `json:"server"`
	Version          string   `json:"version,omitempty"`
	Provider         string   `json:"provider,omitempty"` // "aks", "eks", "gke" or ""
	AdmissionPlugins []string `json:"admissionPlugins,omitempty"`
}

// NewInventory indexes objects by kind.
func NewInventory(objects []*source.Object) *Inventory {
	inv := &Inventory{Objects: objects, Unreadable: map[string]string{}, byKind: map[string][]*source.Object{}}
	for _, o := range objects {
		inv.byKind[o.Kind] = append(inv.byKind[o.Kind], o)
	}
	return inv
}

// Kind returns the objects of a kind, such as "NetworkPolicy", in input
// order.
func (inv *Inventory) Kind(kind string) []*source.Object { return inv.byKind[kind] }

// Namespaces returns the namespaces named by objects or by Namespace
// objects, sorted.
func (inv *Inventory) Namespaces() []string {
	set := map[string]bool{}
	for _, o := range inv.Objects {
		if o.Namespace != "" {
			set[o.Namespace] = true
		}
		if o.Kind == "Namespace" {
			set[o.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// Context carries the configuration every check can read.
type Context struct {
	Config Config
}

// Config tunes checks.
type Config struct {
	// AllowedRegistries lists image registry prefixes that images may come
	// from, such as "registry.example.com/" or "ghcr.io/acme/". Empty means
	// the registry check is not evaluated.
	AllowedRegistries []string `yaml:"allowedRegistries" json:"allowedRegistries,omitempty"`
}
