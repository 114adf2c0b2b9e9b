// Package check defines the check contract, the registry of checks and the
// engine that runs them over an inventory of Kubernetes objects. The checks
// live in the subpackages of check, one file per check, with their metadata
// beside their logic.
package check

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/kubethreat/kubethreat/source"
)

// Severity ranks how much a failing check matters.
type Severity int

// Severities, from least to most severe.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name such as "high".
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q; use one of %s", name, strings.Join(severityNames, ", "))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Status is the outcome of a check on one object.
type Status string

// Statuses. A check that could not run is NotEvaluated with a reason, never
// Pass.
const (
	Fail          Status = "fail"
	Pass          Status = "pass"
	NotEvaluated  Status = "not_evaluated"
	NotApplicable Status = "not_applicable"
	Suppressed    Status = "suppressed"
)

// Pod Security Standards levels that a check can name.
const (
	PSSBaseline   = "baseline"
	PSSRestricted = "restricted"
)

// Check is one rule. A check sets exactly one of Object and Inventory.
type Check struct {
	ID          string // stable, lower-case words joined by hyphens, such as "pod-privileged"
	Title       string
	Rationale   string
	Remediation string
	Severity    Severity
	Techniques  []string // matrix technique IDs
	Mitigations []string // matrix mitigation IDs
	Since       string   // the kubethreat version that added the check
	PSS         string   // the Pod Security Standards level it breaks, if any

	// Prevention marks a check that reports whether a mitigation is in
	// place, such as an admission policy, rather than whether a workload is
	// exposed. Its failures count against the mitigations it names and do
	// not make its techniques exposed.
	Prevention bool

	// Needs lists the resources, in lower-case plural form such as "pods"
	// or "clusterrolebindings", that the check reads. When an inventory
	// marks one of them unreadable, the check is not evaluated.
	Needs []string

	// Object evaluates one object. It is called for every object in the
	// inventory and reports through r.
	Object func(c *Context, o *source.Object, r *Reporter)

	// Inventory evaluates the whole inventory at once, for checks that
	// relate objects to each other.
	Inventory func(c *Context, inv *Inventory, r *Reporter)
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Check{}
)

// Register adds checks to the registry. It panics on a duplicate or
// incomplete check, because that is a programming error caught by any test.
func Register(checks ...*Check) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, c := range checks {
		if err := c.validate(); err != nil {
			panic(err)
		}
		if _, dup := registry[c.ID]; dup {
			panic(fmt.Sprintf("check %q registered twice", c.ID))
		}
		registry[c.ID] = c
	}
}

// All returns every registered check, sorted by ID.
func All() []*Check {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]*Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup returns the registered check with the ID.
func Lookup(id string) (*Check, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	c, ok := registry[id]
	return c, ok
}

func (c *Check) validate() error {
	switch {
	case c.ID == "" || strings.ToLower(c.ID) != c.ID || strings.ContainsAny(c.ID, " _,"):
		return fmt.Errorf("check ID %q must be lower-case words joined by hyphens", c.ID)
	case c.Title == "" || c.Rationale == "" || c.Remediation == "":
		return fmt.Errorf("check %q needs a title, rationale and remediation", c.ID)
	case len(c.Techniques) == 0:
		return fmt.Errorf("check %q maps to no technique", c.ID)
	case (c.Object == nil) == (c.Inventory == nil):
		return fmt.Errorf("check %q must set exactly one of Object and Inventory", c.ID)
	case c.Since == "":
		return fmt.Errorf("check %q has no since-version", c.ID)
	}
	return nil
}
