package report

import (
	"github.com/kubethreat/kubethreat/check"
)

// Summary counts what a scan found. Every writer shows these numbers.
type Summary struct {
	Checks       int              `json:"checks"` // checks that ran
	Status       StatusCounts     `json:"status"`
	Failed       SeverityCounts   `json:"failedBySeverity"` // failing findings by severity
	Techniques   TechniqueCounts  `json:"techniques"`
	Skipped      int              `json:"skipped"` // documents that were not Kubernetes objects
	Diagnostics  DiagnosticCounts `json:"diagnostics"`
	Suppressions int              `json:"suppressionProblems"` // expired or unused suppressions
}

// StatusCounts counts check outcomes by status. Passes are counted per
// object even when the engine kept no pass findings.
type StatusCounts struct {
	Fail          int `json:"fail"`
	Pass          int `json:"pass"`
	NotEvaluated  int `json:"notEvaluated"`
	NotApplicable int `json:"notApplicable"`
	Suppressed    int `json:"suppressed"`
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// TechniqueCounts counts techniques by exposure status.
type TechniqueCounts struct {
	Exposed       int `json:"exposed"`
	NotObserved   int `json:"notObserved"`
	NotAssessable int `json:"notAssessable"`
	NotEvaluated  int `json:"notEvaluated"`
}

// DiagnosticCounts counts input problems by severity.
type DiagnosticCounts struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

// Summarize counts the outcomes of a scan. The status counts come from the
// per-check stats, because passes are usually recorded only as counts. A
// check with no stats entry is counted from its findings.
func Summarize(s *Scan) Summary {
	var sum Summary
	if s == nil || s.Result == nil {
		return sum
	}
	sum.Checks = len(sortedChecks(s))
	sum.Status = statusCounts(s.Result)

	for _, f := range s.Result.Findings {
		if f.Status == check.Fail {
			sum.Failed.add(f.Severity)
		}
	}
	for _, t := range s.Techniques {
		sum.Techniques.add(t.Status)
	}
	for _, n := range s.Skipped {
		sum.Skipped += n
	}
	for _, d := range s.Diagnostics {
		if d.Severity == SeverityError {
			sum.Diagnostics.Errors++
		} else {
			sum.Diagnostics.Warnings++
		}
	}
	sum.Suppressions = len(s.Suppressions)
	return sum
}

func statusCounts(res *check.Result) StatusCounts {
	var c StatusCounts
	for _, st := range res.Stats {
		c.Fail += st.Failed
		c.Pass += st.Passed
		c.NotEvaluated += st.NotEvaluated
		c.NotApplicable += st.NotApplicable
		c.Suppressed += st.Suppressed
	}
	for _, f := range res.Findings {
		if _, ok := res.Stats[f.Check]; ok {
			continue
		}
		switch f.Status {
		case check.Fail:
			c.Fail++
		case check.Pass:
			c.Pass++
		case check.NotEvaluated:
			c.NotEvaluated++
		case check.NotApplicable:
			c.NotApplicable++
		case check.Suppressed:
			c.Suppressed++
		}
	}
	return c
}

func (c *SeverityCounts) add(s check.Severity) {
	switch s {
	case check.Critical:
		c.Critical++
	case check.High:
		c.High++
	case check.Medium:
		c.Medium++
	case check.Low:
		c.Low++
	default:
		c.Info++
	}
}

// Of returns the count for one severity.
func (c SeverityCounts) Of(s check.Severity) int {
	switch s {
	case check.Critical:
		return c.Critical
	case check.High:
		return c.High
	case check.Medium:
		return c.Medium
	case check.Low:
		return c.Low
	}
	return c.Info
}

func (c *TechniqueCounts) add(status string) {
	switch status {
	case Exposed:
		c.Exposed++
	case NotObserved:
		c.NotObserved++
	case NotAssessable:
		c.NotAssessable++
	case NotEvaluated:
		c.NotEvaluated++
	}
}
