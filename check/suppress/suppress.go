package suppress

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/config"
	"github.com/kubethreat/kubethreat/internal/nearest"
	"github.com/kubethreat/kubethreat/source"
)

// Options configure Apply.
type Options struct {
	// Today is the date against which exception expiry is judged.
	Today time.Time

	// Exceptions come from the configuration file named ExceptionsFile,
	// which becomes the Suppression.Source of the findings they suppress.
	Exceptions     []config.Exception
	ExceptionsFile string

	// NoAnnotations ignores the kubethreat.io/ignore annotation, and
	// reports each one found, for scans where object owners must not be
	// able to silence findings.
	NoAnnotations bool

	// Known lists the IDs of every registered check; an annotation that
	// names another ID is reported. Nil accepts every ID.
	Known []string

	// Ran lists the IDs of the checks that ran. An annotation or exception
	// for a check that did not run is not reported as unused, because it
	// had nothing to suppress. Nil means every check ran.
	Ran []string
}

// NoticeKind classifies a Notice.
type NoticeKind string

// Kinds of notices.
const (
	InvalidAnnotation NoticeKind = "invalid-annotation" // no reason, or malformed
	UnknownCheck      NoticeKind = "unknown-check"      // an annotation names a check that does not exist
	IgnoredAnnotation NoticeKind = "ignored-annotation" // annotations are turned off
	UnusedAnnotation  NoticeKind = "unused-annotation"  // suppressed nothing
	ExpiredException  NoticeKind = "expired-exception"
	UnusedException   NoticeKind = "unused-exception" // suppressed nothing
)

// Notice is something about a suppression that a user should review.
type Notice struct {
	Kind     NoticeKind      `json:"kind"`
	Object   *source.Ref     `json:"object,omitempty"` // the annotated object
	Location source.Location `json:"location"`
	Message  string          `json:"message"`

	// The suppression the notice is about, when it parsed: where it is
	// written (AnnotationSource or the exceptions file), the check, the
	// objects it applies to, its reason and expiry.
	Source  string `json:"source,omitempty"`
	Check   string `json:"check,omitempty"`
	Match   string `json:"match,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Diagnostic returns the notice as a source diagnostic, for reports that
// list input problems.
func (n Notice) Diagnostic() source.Diagnostic {
	return source.Diagnostic{File: n.Location.File, Line: n.Location.Line, Column: n.Location.Column, Message: n.Message}
}

// Summary counts the findings Apply suppressed and lists its notices.
type Summary struct {
	Suppressed int      // findings whose status became suppressed
	Notices    []Notice // sorted by location
}

// annotated is one object's kubethreat.io/ignore annotations.
type annotated struct {
	ref     source.Ref
	loc     source.Location // the object's start
	entries []*entry
}

// entry is one check ID of one annotation.
type entry struct {
	check  string
	reason string
	loc    source.Location // the annotation's position
	used   int
}

// Apply suppresses the failing findings of res that an annotation or a
// live exception covers, then recounts res. Expired exceptions do not
// suppress. Every annotation or exception that suppressed nothing, every
// expired exception and every annotation that was malformed, named an
// unknown check or was ignored is returned as a notice.
func Apply(inv *check.Inventory, res *check.Result, opts Options) Summary {
	var sum Summary
	var index annotationIndex
	if inv != nil {
		index, sum.Notices = collectAnnotations(inv, opts)
	}
	exUsed := make([]int, len(opts.Exceptions))
	exExpiredHits := make([]int, len(opts.Exceptions))

	for i := range res.Findings {
		f := &res.Findings[i]
		if f.Status != check.Fail {
			continue
		}
		var sup *check.Suppression
		for _, e := range index.lookup(f) {
			if e.check == f.Check {
				e.used++
				if sup == nil {
					sup = &check.Suppression{Source: AnnotationSource, Reason: e.reason}
				}
			}
		}
		for j, ex := range opts.Exceptions {
			if ex.Check != f.Check || !ex.Match.Matches(f.Object) {
				continue
			}
			if ex.Expired(opts.Today) {
				exExpiredHits[j]++
				continue
			}
			exUsed[j]++
			if sup == nil {
				sup = &check.Suppression{Source: opts.ExceptionsFile, Reason: ex.Reason, Expires: ex.Expires}
			}
		}
		if sup != nil {
			f.Status = check.Suppressed
			f.Suppression = sup
			sum.Suppressed++
		}
	}
	res.Recount()

	ran := func(id string) bool { return opts.Ran == nil || slices.Contains(opts.Ran, id) }
	sum.Notices = append(sum.Notices, index.unused(ran)...)
	sum.Notices = append(sum.Notices, exceptionNotices(opts, exUsed, exExpiredHits, ran)...)
	sortNotices(sum.Notices)
	return sum
}

// annotationIndex finds the annotations of the object a finding is about.
// Objects are keyed by reference. When several objects share one, such as
// the same Deployment in two files, only the one in the finding's file
// counts.
type annotationIndex struct {
	byRef   map[source.Ref][]*annotated
	objects map[source.Ref]int // objects per reference, annotated or not
}

func (x annotationIndex) lookup(f *check.Finding) []*entry {
	cands := x.byRef[f.Object]
	if len(cands) == 0 {
		return nil
	}
	for _, a := range cands {
		if a.loc.File == f.Location.File && a.loc.Cluster == f.Location.Cluster {
			return a.entries
		}
	}
	// A finding located elsewhere, such as a RoleBinding's finding placed
	// at its Role, still belongs to the object when no other object has
	// the same reference.
	if x.objects[f.Object] == 1 {
		return cands[0].entries
	}
	return nil
}

func (x annotationIndex) unused(ran func(string) bool) []Notice {
	var out []Notice
	for _, list := range x.byRef {
		for _, a := range list {
			for _, e := range a.entries {
				if e.used > 0 || !ran(e.check) {
					continue
				}
				ref := a.ref
				out = append(out, Notice{Kind: UnusedAnnotation, Object: &ref, Location: e.loc,
					Message: fmt.Sprintf("%s on %s suppresses %s, which has no failing finding on it; remove the ID from the annotation", AnnotationKey, a.ref, e.check),
					Source:  AnnotationSource, Check: e.check, Match: a.ref.String(), Reason: e.reason})
			}
		}
	}
	return out
}

// collectAnnotations reads the annotation of every object and, for
// workloads, of their pod templates.
func collectAnnotations(inv *check.Inventory, opts Options) (annotationIndex, []Notice) {
	known := map[string]bool{}
	for _, id := range opts.Known {
		known[id] = true
	}
	index := annotationIndex{byRef: map[source.Ref][]*annotated{}, objects: map[source.Ref]int{}}
	var notices []Notice
	for _, o := range inv.Objects {
		index.objects[o.Ref]++
		values := annotationValues(o)
		if len(values) == 0 {
			continue
		}
		ref := o.Ref
		if opts.NoAnnotations {
			for _, v := range values {
				notices = append(notices, Notice{Kind: IgnoredAnnotation, Object: &ref, Location: v.Loc(),
					Message: fmt.Sprintf("%s on %s is ignored because annotation exemptions are turned off", AnnotationKey, o.Ref)})
			}
			continue
		}
		a := &annotated{ref: o.Ref, loc: o.Loc}
		for _, v := range values {
			parsed, err := ParseAnnotation(v.Str())
			if err != nil {
				notices = append(notices, Notice{Kind: InvalidAnnotation, Object: &ref, Location: v.Loc(),
					Message: fmt.Sprintf("%s: %v; the annotation is ignored", o.Ref, err)})
				continue
			}
			for _, id := range parsed.Checks {
				if opts.Known != nil && !known[id] {
					notices = append(notices, Notice{Kind: UnknownCheck, Object: &ref, Location: v.Loc(),
						Message: unknownCheckMessage(o.Ref, id, opts.Known)})
					continue
				}
				a.entries = append(a.entries, &entry{check: id, reason: parsed.Reason, loc: v.Loc()})
			}
		}
		if len(a.entries) > 0 {
			index.byRef[o.Ref] = append(index.byRef[o.Ref], a)
		}
	}
	return index, notices
}

func unknownCheckMessage(ref source.Ref, id string, known []string) string {
	msg := fmt.Sprintf("%s on %s names unknown check %q", AnnotationKey, ref, id)
	if s := NearestCheckIDs(id, known, 3); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	}
	return msg
}

// annotationValues returns the annotation on the object's metadata and on
// its pod template's metadata, when they are strings.
func annotationValues(o *source.Object) []source.Value {
	var out []source.Value
	if v := o.Root().Field("metadata").Field("annotations").Field(AnnotationKey); v.Exists() {
		out = append(out, v)
	}
	if o.Kind == "Pod" {
		return out
	}
	for _, ps := range check.PodSpecs(o) {
		if v := ps.Meta.Field("annotations").Field(AnnotationKey); v.Exists() {
			out = append(out, v)
		}
	}
	return out
}

func exceptionNotices(opts Options, used, expiredHits []int, ran func(string) bool) []Notice {
	var out []Notice
	notice := func(kind NoticeKind, ex config.Exception, msg string) Notice {
		return Notice{Kind: kind, Location: source.Location{File: opts.ExceptionsFile, Line: ex.Line}, Message: msg,
			Source: opts.ExceptionsFile, Check: ex.Check, Match: ex.Match.String(), Reason: ex.Reason, Expires: ex.Expires}
	}
	for i, ex := range opts.Exceptions {
		switch {
		case ex.Expired(opts.Today):
			msg := fmt.Sprintf("exception %s expired on %s and no longer suppresses", ex, ex.Expires)
			if expiredHits[i] > 0 {
				msg += fmt.Sprintf("; %d finding(s) it matched now fail", expiredHits[i])
			}
			out = append(out, notice(ExpiredException, ex, msg+"; renew or remove it"))
		case used[i] == 0 && ran(ex.Check):
			out = append(out, notice(UnusedException, ex,
				fmt.Sprintf("exception %s matched no failing finding; remove it or fix its match", ex)))
		}
	}
	return out
}

func sortNotices(ns []Notice) {
	sort.SliceStable(ns, func(i, j int) bool {
		a, b := ns[i].Location, ns[j].Location
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return ns[i].Message < ns[j].Message
	})
}

// NearestCheckIDs returns up to n of the known IDs closest to id by edit
// distance, nearest first, leaving out those further than half the ID's
// length.
func NearestCheckIDs(id string, known []string, n int) []string {
	return nearest.Names(id, known, n)
}
