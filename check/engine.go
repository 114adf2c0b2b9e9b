package check

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kubethreat/kubethreat/source"
)

// Options configure a run of the engine.
type Options struct {
	Checks     []*Check // nil means every registered check
	Config     Config
	Workers    int  // goroutines for object checks; 0 means GOMAXPROCS
	KeepPasses bool // record a finding for each passed object, not only counts
}

// Stats counts the outcomes of one check.
type Stats struct {
	Evaluated     int `json:"evaluated"`
	Failed        int `json:"failed"`
	Passed        int `json:"passed"`
	NotEvaluated  int `json:"notEvaluated"`
	NotApplicable int `json:"notApplicable"`
	Suppressed    int `json:"suppressed"`
}

// Result is the outcome of a run: every finding, sorted by location, and
// per-check counts.
type Result struct {
	Findings []Finding        `json:"findings"`
	Stats    map[string]Stats `json:"stats"`
	Checks   []*Check         `json:"-"`
}

// Run evaluates the checks over the inventory. Inventory checks run once
// each and object checks once per object. All of them share a pool of
// workers, so that a long inventory check runs beside the object checks.
// An inventory check whose needed resources are unreadable is not
// evaluated at all. An object check is evaluated on what was read, and it
// is reported not evaluated for each unreadable resource.
//
// Checks may run concurrently with each other: they must only read the
// inventory, and share derived data through Inventory.Memo and Object.Memo.
func Run(ctx context.Context, inv *Inventory, opts Options) (*Result, error) {
	checks := opts.Checks
	if checks == nil {
		checks = All()
	}
	c := &Context{Config: opts.Config}
	res := &Result{Stats: map[string]Stats{}, Checks: checks}

	var objectChecks, inventoryChecks []*Check
	for _, ch := range checks {
		missing := unreadable(ch, inv)
		if ch.Object != nil {
			// An object check still evaluates the objects that were read.
			// Each resource it could not read is reported on its own, so
			// that one unreadable kind does not hide the others' results.
			objectChecks = append(objectChecks, ch)
			if len(missing) > 0 {
				r := &Reporter{check: ch}
				for _, m := range missing {
					r.NotEvaluated(source.Ref{Kind: "Check", Name: ch.ID}, source.Location{}, "cannot read "+m)
				}
				res.add(r)
			}
			continue
		}
		if len(missing) > 0 {
			// An inventory check relates objects to each other, so a
			// missing kind makes its whole result unreliable.
			r := &Reporter{check: ch}
			r.NotEvaluated(source.Ref{Kind: "Check", Name: ch.ID}, source.Location{}, "cannot read "+strings.Join(missing, ", "))
			res.add(r)
			continue
		}
		inventoryChecks = append(inventoryChecks, ch)
	}

	if err := runChecks(ctx, c, inv, inventoryChecks, objectChecks, opts, res); err != nil {
		return nil, err
	}
	sortFindings(res.Findings)
	return res, nil
}

// unreadable returns each resource the check needs that the inventory
// could not read, with the reason.
func unreadable(ch *Check, inv *Inventory) []string {
	var missing []string
	for _, need := range ch.Needs {
		if reason, ok := inv.Unreadable[need]; ok {
			missing = append(missing, need+" ("+reason+")")
		}
	}
	return missing
}

// objectBatch is the number of objects a worker takes at a time: small
// enough to balance the workers, large enough that taking a batch costs
// nothing next to checking it.
const objectBatch = 256

// runChecks runs the inventory checks and the object checks on a pool of
// workers. The inventory checks are taken first, because each is one long
// task; the objects follow in batches.
func runChecks(ctx context.Context, c *Context, inv *Inventory, inventoryChecks, objectChecks []*Check, opts Options, res *Result) error {
	batches := 0
	if len(objectChecks) > 0 {
		batches = (len(inv.Objects) + objectBatch - 1) / objectBatch
	}
	tasks := len(inventoryChecks) + batches
	if tasks == 0 {
		return nil
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, tasks))

	inventoryReporters := make([]*Reporter, len(inventoryChecks))
	for i, ch := range inventoryChecks {
		inventoryReporters[i] = &Reporter{check: ch, keepPasses: opts.KeepPasses}
	}
	objectReporters := make([][]*Reporter, workers)
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		reporters := make([]*Reporter, len(objectChecks))
		for i, ch := range objectChecks {
			reporters[i] = &Reporter{check: ch, keepPasses: opts.KeepPasses}
		}
		objectReporters[w] = reporters
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t := int(next.Add(1)) - 1
				if t >= tasks {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				if t < len(inventoryChecks) {
					ch, r := inventoryChecks[t], inventoryReporters[t]
					if err := safely(ch, func() { ch.Inventory(c, inv, r) }); err != nil {
						errs[w] = err
						return
					}
					continue
				}
				b := t - len(inventoryChecks)
				lo, hi := b*objectBatch, min((b+1)*objectBatch, len(inv.Objects))
				for _, o := range inv.Objects[lo:hi] {
					for i, ch := range objectChecks {
						if err := safely(ch, func() { ch.Object(c, o, reporters[i]) }); err != nil {
							errs[w] = fmt.Errorf("%s: %w", o.Loc, err)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// Grow the findings once: they are large, and appending reporter by
	// reporter would copy them again at every doubling.
	total := 0
	for _, r := range inventoryReporters {
		total += len(r.findings)
	}
	for _, reporters := range objectReporters {
		for _, r := range reporters {
			total += len(r.findings)
		}
	}
	res.Findings = slices.Grow(res.Findings, total)
	for _, r := range inventoryReporters {
		res.add(r)
	}
	for _, reporters := range objectReporters {
		for _, r := range reporters {
			res.add(r)
		}
	}
	return nil
}

// safely runs a check and turns a panic into an error naming the check, so
// that a bug in one check is reported instead of crashing the scan.
func safely(ch *Check, run func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check %s failed: %v", ch.ID, p)
		}
	}()
	run()
	return nil
}

func (res *Result) add(r *Reporter) {
	st := res.Stats[r.check.ID]
	st.Passed += r.passes
	st.Evaluated += r.passes
	for i := range r.findings {
		switch r.findings[i].Status {
		case Fail:
			st.Failed++
			st.Evaluated++
		case NotEvaluated:
			st.NotEvaluated++
		case NotApplicable:
			st.NotApplicable++
		case Suppressed:
			st.Suppressed++
		case Pass:
			// Counted through passes.
			continue
		}
	}
	res.Stats[r.check.ID] = st
	res.Findings = append(res.Findings, r.findings...)
}

// Recount recomputes the per-check counts from the findings after they were
// changed, for example by suppressions. Pass counts are kept.
func (res *Result) Recount() {
	for id, st := range res.Stats {
		res.Stats[id] = Stats{Passed: st.Passed, Evaluated: st.Passed}
	}
	for _, f := range res.Findings {
		st := res.Stats[f.Check]
		switch f.Status {
		case Fail:
			st.Failed++
			st.Evaluated++
		case Suppressed:
			st.Suppressed++
			st.Evaluated++
		case NotEvaluated:
			st.NotEvaluated++
		case NotApplicable:
			st.NotApplicable++
		}
		res.Stats[f.Check] = st
	}
}

func sortFindings(fs []Finding) {
	// Findings are large, so an index is sorted and the findings are moved
	// once, instead of being swapped at every step of the sort.
	order := make([]int32, len(fs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(i, j int32) int { return CompareFindings(&fs[i], &fs[j]) })
	sorted := make([]Finding, len(fs))
	for i, j := range order {
		sorted[i] = fs[j]
	}
	copy(fs, sorted)
}

// CompareFindings orders findings by location (file, line, column,
// cluster), then object (namespace, kind, name, API version), check, field
// path, status and message: the order of Result.Findings and of every
// report. Each comparison runs only when the ones before it tie, because
// cmp.Or would evaluate all of them for every pair the sort compares.
func CompareFindings(a, b *Finding) int {
	if c := strings.Compare(a.Location.File, b.Location.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.Line, b.Location.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.Column, b.Location.Column); c != 0 {
		return c
	}
	for _, pair := range [...][2]string{
		{a.Location.Cluster, b.Location.Cluster},
		{a.Object.Namespace, b.Object.Namespace},
		{a.Object.Kind, b.Object.Kind},
		{a.Object.Name, b.Object.Name},
		{a.Object.APIVersion, b.Object.APIVersion},
		{a.Check, b.Check},
		{a.FieldPath, b.FieldPath},
	} {
		if c := strings.Compare(pair[0], pair[1]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(a.Status, b.Status); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

// Failed returns the failing findings at or above a severity.
func (res *Result) Failed(min Severity) []Finding {
	return slices.DeleteFunc(slices.Clone(res.Findings), func(f Finding) bool {
		return f.Status != Fail || f.Severity < min
	})
}
