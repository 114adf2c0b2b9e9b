package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/all" // registers the built-in checks
	"github.com/kubethreat/kubethreat/check/suppress"
	"github.com/kubethreat/kubethreat/config"
	"github.com/kubethreat/kubethreat/internal/gctune"
	"github.com/kubethreat/kubethreat/report"
	"github.com/kubethreat/kubethreat/source"
)

func init() { commands = append(commands, newScanCommand) }

// now is the scan's clock; tests replace it to get stable reports.
var now = time.Now

// scanFlags are the flags of the scan command.
type scanFlags struct {
	outputs       outputFlags
	failOn        string
	keepGoing     bool
	helmValues    []string
	helmSet       []string
	maxFileSize   string
	configFile    string
	noAnnotations bool
	showPass      bool
	checks        []string
	skipChecks    []string
	workers       int
}

func newScanCommand(e *env) *cobra.Command {
	f := &scanFlags{}
	co := &clusterOptions{}
	cmd := &cobra.Command{
		Use:   "scan [PATH...|-] | scan --cluster",
		Short: "Scan Kubernetes manifests for the techniques they expose",
		Long: "Scan files, folders, Helm charts, Kustomize folders or standard input (-), or with\n" +
			"--cluster a live cluster (read-only), and map each problem to the techniques of the\n" +
			"Threat Matrix for Kubernetes.\n\n" +
			"Reports: -o picks a format and may be repeated. Each report goes to standard output\n" +
			"unless a file is named for it, either as -o FORMAT=FILE or with --output-file FILE\n" +
			"right after the -o it belongs to. Only one report can go to standard output.\n\n" +
			"Exit codes: 0 when no finding reaches --fail-on, 1 when one does, 2 on a usage\n" +
			"error, on unreadable input (unless --keep-going) and when no Kubernetes object\n" +
			"was found or no check evaluated anything.\n\n" +
			"Suppressions: the annotation kubethreat.io/ignore: \"<check-id>[,<check-id>] -- reason\"\n" +
			"on an object or its pod template, and the exceptions of the configuration file:\n" +
			"--config, else ./.kubethreat.yaml, else .kubethreat.yaml in the one folder scanned.",
		Example: "  kubethreat scan examples/shop\n" +
			"  kubethreat scan k8s/ -o sarif --output-file scan.sarif -o table --fail-on high\n" +
			"  helm template ./chart | kubethreat scan - -o json=scan.json\n" +
			"  kubethreat scan ./chart --values prod.yaml --set image.tag=1.4.2\n" +
			"  kubethreat scan --cluster -A --fail-on high",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := co.validate(cmd.Flags(), args); err != nil {
				return err
			}
			if co.enabled {
				for _, name := range []string{"values", "set", "max-file-size"} {
					if cmd.Flags().Changed(name) {
						return usageErrorf("--%s applies only to manifest files, not to --cluster", name)
					}
				}
				return runScan(e, f, clusterStage(co, f))
			}
			if len(args) == 0 {
				return usageErrorf("scan needs at least one file, folder or - for standard input, or --cluster")
			}
			return runScan(e, f, fileStage(args, e.stdin, f))
		},
	}
	fl := cmd.Flags()
	co.addFlags(fl)
	fl.VarP(outputValue{&f.outputs}, "output", "o", "report format: "+strings.Join(report.Formats(), ", ")+
		"; repeatable; FORMAT=FILE writes that report to FILE (default table)")
	fl.Var(outputFileValue{&f.outputs}, "output-file", "write the report of the -o just before this flag to this file (- is standard output)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when an unsuppressed finding has this severity or higher: info, low, medium, high or critical")
	fl.BoolVar(&f.keepGoing, "keep-going", false, "report the readable input and exit by findings alone when some input cannot be read")
	fl.StringArrayVar(&f.helmValues, "values", nil, "Helm values file applied to every chart (repeatable, applied in order)")
	fl.StringArrayVar(&f.helmSet, "set", nil, "Helm value in helm's --set syntax, such as image.tag=1.2 (repeatable)")
	fl.StringVar(&f.maxFileSize, "max-file-size", "", "skip files larger than this, in bytes or with a suffix k, M, G, Ki, Mi or Gi (default 10Mi)")
	fl.StringVar(&f.configFile, "config", "", "configuration file (default ./"+config.DefaultFile+" when it exists)")
	fl.BoolVar(&f.noAnnotations, "no-annotation-exemptions", false, "ignore kubethreat.io/ignore annotations and list each one found")
	fl.BoolVar(&f.showPass, "show-pass", false, "record a finding for every object that passes a check")
	fl.StringSliceVar(&f.checks, "checks", nil, "run only these check IDs (repeatable, or comma-separated)")
	fl.StringSliceVar(&f.skipChecks, "skip-checks", nil, "do not run these check IDs (repeatable, or comma-separated)")
	fl.IntVar(&f.workers, "workers", 0, "goroutines that read files and run checks (default: one per CPU)")
	return cmd
}

// loaded is the output of an input stage.
type loaded struct {
	inv         *check.Inventory
	inputs      []string       // input names for the report header
	skipped     map[string]int // documents that were not objects, by reason
	diagnostics []report.Diagnostic
}

// inputStage reads the objects a scan evaluates and reports its progress.
// Manifest files are one implementation (fileStage); a live cluster is
// another, selected by the command line before runScan is called.
type inputStage func(ctx context.Context, prog *progress) (*loaded, error)

// scanPlan is the validated command line of a scan.
type scanPlan struct {
	outputs []outputSpec
	failOn  *check.Severity
	checks  []*check.Check
	known   []*check.Check
	config  *config.File
}

// runScan runs the whole pipeline: validate, load, check, suppress,
// summarize, report, and turn the outcome into an exit code.
func runScan(e *env, f *scanFlags, input inputStage) error {
	plan, err := planScan(f)
	if err != nil {
		return err
	}
	gctune.ForScan()
	m, err := e.matrix()
	if err != nil {
		return err
	}

	prog := &progress{}
	stopProgress := func() {}
	if isTerminal(e.stderr) {
		stopProgress = startProgress(e.stderr, prog, time.Second)
	}
	start := now()
	scan, err := evaluate(e.ctx, input, prog, plan, f)
	stopProgress()
	if scan == nil {
		return err
	}
	scan.Tool = report.Tool{Name: "kubethreat", Version: Version, MatrixVersion: m.Version, AttackVersion: m.AttackVersion}
	scan.Matrix = m
	scan.StartedAt = start
	scan.Duration = now().Sub(start)
	scan.Techniques = assess.Exposure(m, scan.Result, plan.known)
	if scan.Cluster != nil {
		assess.AttachServiceGuidance(m, scan.Cluster.Provider, scan.Result)
	}

	if err != nil {
		// The input could not be evaluated. The reports are still
		// written, so that a CI job that uploads them finds a file with
		// the reason. A table on standard output is left out, because the
		// error below explains the failure better than an empty table.
		var outputs []outputSpec
		for _, s := range plan.outputs {
			if s.format != "table" || s.file != "" {
				outputs = append(outputs, s)
			}
		}
		if werr := writeReports(e, outputs, scan); werr != nil {
			return werr
		}
		return err
	}
	if err := writeReports(e, plan.outputs, scan); err != nil {
		return err
	}
	return scanOutcome(e, f, plan, scan)
}

// planScan validates the flags and reads the configuration file.
func planScan(f *scanFlags) (*scanPlan, error) {
	plan := &scanPlan{known: check.All()}
	var err error
	if plan.outputs, err = f.outputs.resolve(); err != nil {
		return nil, err
	}
	if f.failOn != "" {
		sev, err := check.ParseSeverity(f.failOn)
		if err != nil {
			return nil, usageErrorf("invalid --fail-on: %v", err)
		}
		plan.failOn = &sev
	}
	if f.workers < 0 {
		return nil, usageErrorf("invalid --workers %d: use 0 for one per CPU, or a positive number", f.workers)
	}
	if f.maxFileSize != "" {
		if _, err := parseSize(f.maxFileSize); err != nil {
			return nil, usageErrorf("invalid --max-file-size: %v", err)
		}
	}
	if plan.checks, err = selectChecks(plan.known, f.checks, f.skipChecks); err != nil {
		return nil, err
	}
	// Without --config, ./.kubethreat.yaml is read now, and a scanned
	// folder's own file is looked for by evaluate once the inputs are known.
	if plan.config, err = loadConfig(f.configFile, nil, plan.known); err != nil {
		return nil, err
	}
	return plan, nil
}

// evaluate reads the input, runs the checks and applies suppressions.
// When the input holds nothing to evaluate, it returns the error together
// with a scan without findings that records why, for the reports.
func evaluate(ctx context.Context, input inputStage, prog *progress, plan *scanPlan, f *scanFlags) (*report.Scan, error) {
	in, err := input(ctx, prog)
	if err != nil {
		return nil, err
	}
	if len(in.inv.Objects) == 0 {
		err := noObjectsError(in)
		return unevaluatedScan(in, plan, err), err
	}
	if plan.config.Path == "" && f.configFile == "" {
		if plan.config, err = loadConfig("", in.inputs, plan.known); err != nil {
			return nil, err
		}
	}

	prog.set("checking", -1, len(in.inv.Objects))
	res, err := check.Run(ctx, in.inv, check.Options{
		Checks:     plan.checks,
		Config:     plan.config.CheckConfig(),
		Workers:    f.workers,
		KeepPasses: f.showPass,
	})
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("running checks: %w", err)}
	}

	prog.set("applying suppressions", -1, -1)
	sum := suppress.Apply(in.inv, res, suppress.Options{
		Today:          now(),
		Exceptions:     plan.config.Exceptions,
		ExceptionsFile: plan.config.Path,
		NoAnnotations:  f.noAnnotations,
		Known:          checkIDs(plan.known),
		Ran:            checkIDs(plan.checks),
	})
	if evaluatedNothing(res) {
		err := noEvaluationError(in, res)
		return unevaluatedScan(in, plan, err), err
	}

	scan := &report.Scan{
		Inputs:      in.inputs,
		Result:      res,
		Skipped:     in.skipped,
		Diagnostics: in.diagnostics,
		Cluster:     in.inv.Cluster,
	}
	addNotices(scan, sum.Notices)
	return scan, nil
}

// scanOutcome reports input errors and findings at or above --fail-on on
// standard error and returns the error that carries the exit code.
func scanOutcome(e *env, f *scanFlags, plan *scanPlan, scan *report.Scan) error {
	var inputErrors []report.Diagnostic
	for _, d := range scan.Diagnostics {
		if d.Severity == report.SeverityError {
			inputErrors = append(inputErrors, d)
		}
	}
	if len(inputErrors) > 0 && !tableOnStdout(plan.outputs) {
		printDiagnostics(e.stderr, inputErrors, 20)
	}
	if len(inputErrors) > 0 && !f.keepGoing {
		return usageErrorf("%d input error(s): fix the input, or pass --keep-going to report on what could be read", len(inputErrors))
	}

	if plan.failOn == nil {
		return nil
	}
	if failed := scan.Result.Failed(*plan.failOn); len(failed) > 0 {
		fmt.Fprintf(e.stderr, "kubethreat: %d unsuppressed finding(s) at or above %s\n", len(failed), *plan.failOn)
		return silentExit(ExitFindings)
	}
	return nil
}

// diagnosticText formats an input problem of a report as the loader does:
// "file:line:column: message; hint".
func diagnosticText(d report.Diagnostic) string {
	return source.Diagnostic{File: d.File, Line: d.Line, Column: d.Column, Message: d.Message, Hint: d.Hint}.String()
}

func printDiagnostics(w io.Writer, ds []report.Diagnostic, limit int) {
	for i, d := range ds {
		if i == limit {
			fmt.Fprintf(w, "kubethreat: ... and %d more input error(s) in the report\n", len(ds)-limit)
			return
		}
		text := diagnosticText(d)
		fmt.Fprintf(w, "kubethreat: %s\n", text)
	}
}

// fileStage reads manifests from paths and standard input with the source
// loader.
func fileStage(paths []string, stdin io.Reader, f *scanFlags) inputStage {
	return func(ctx context.Context, prog *progress) (*loaded, error) {
		prog.set("loading inputs", -1, -1)
		maxSize, _ := parseSize(f.maxFileSize) // validated by planScan
		res, err := source.Load(ctx, source.LoadOptions{
			Paths:       paths,
			Stdin:       stdin,
			MaxFileSize: maxSize,
			HelmValues:  f.helmValues,
			HelmSet:     f.helmSet,
			Workers:     f.workers,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, &exitError{code: ExitUsage, err: fmt.Errorf("scan interrupted: %w", err)}
			}
			return nil, usageErrorf("%v", err)
		}

		in := &loaded{inv: check.NewInventory(res.Objects), inputs: paths, skipped: res.SkippedBy}
		for _, d := range res.Errors {
			in.diagnostics = append(in.diagnostics, reportDiagnostic(d, report.SeverityError))
		}
		for _, d := range res.Warnings {
			in.diagnostics = append(in.diagnostics, reportDiagnostic(d, report.SeverityWarning))
		}
		prog.set("loaded inputs", countFiles(res.Objects), len(res.Objects))
		return in, nil
	}
}

func reportDiagnostic(d source.Diagnostic, severity string) report.Diagnostic {
	return report.Diagnostic{File: d.File, Line: d.Line, Column: d.Column, Severity: severity, Message: d.Message, Hint: d.Hint}
}

func countFiles(objs []*source.Object) int {
	files := map[string]bool{}
	for _, o := range objs {
		files[o.Loc.File] = true
	}
	return len(files)
}

// noObjectsError explains an input with no Kubernetes object, which is an
// error rather than a clean scan.
func noObjectsError(in *loaded) error {
	var b strings.Builder
	names := slices.Clone(in.inputs)
	for i, name := range names {
		if name == "-" {
			names[i] = "standard input"
		}
	}
	fmt.Fprintf(&b, "no Kubernetes objects found in %s", strings.Join(names, ", "))
	if len(in.skipped) > 0 {
		var parts []string
		for _, reason := range sortedMapKeys(in.skipped) {
			parts = append(parts, fmt.Sprintf("%d %s", in.skipped[reason], reason))
		}
		fmt.Fprintf(&b, "; skipped: %s", strings.Join(parts, ", "))
	}
	var errs, warnings []string
	for _, d := range in.diagnostics {
		text := diagnosticText(d)
		if d.Severity == report.SeverityError {
			errs = append(errs, text)
		} else {
			warnings = append(warnings, text)
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\n%d input error(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
	// Warnings such as a skipped binary or oversized file often explain
	// why nothing was found, so they are shown here too.
	if len(warnings) > 0 {
		fmt.Fprintf(&b, "\n%d warning(s):\n  %s", len(warnings), strings.Join(warnings, "\n  "))
	}
	return &exitError{code: ExitUsage, err: errors.New(b.String())}
}

// evaluatedNothing reports whether no check evaluated any object.
// unevaluatedScan returns a scan without findings for input that could not
// be evaluated, with the reason as an input error, so that its reports
// show the reason and SARIF marks the run as failed.
func unevaluatedScan(in *loaded, plan *scanPlan, err error) *report.Scan {
	reason, _, _ := strings.Cut(err.Error(), "\n")
	diagnostics := append(slices.Clone(in.diagnostics), report.Diagnostic{Severity: report.SeverityError, Message: reason})
	return &report.Scan{
		Inputs:      in.inputs,
		Result:      &check.Result{Stats: map[string]check.Stats{}, Checks: plan.checks},
		Skipped:     in.skipped,
		Diagnostics: diagnostics,
		Cluster:     in.inv.Cluster,
	}
}

func evaluatedNothing(res *check.Result) bool {
	for _, st := range res.Stats {
		if st.Evaluated > 0 {
			return false
		}
	}
	return true
}

func noEvaluationError(in *loaded, res *check.Result) error {
	kinds := map[string]int{}
	for _, o := range in.inv.Objects {
		kinds[o.Kind]++
	}
	var parts []string
	for _, k := range sortedMapKeys(kinds) {
		parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
	}
	return &exitError{code: ExitUsage, err: fmt.Errorf(
		"none of the %d selected checks evaluated any of the %d objects (%s); select checks that read these kinds",
		len(res.Checks), len(in.inv.Objects), strings.Join(parts, ", "))}
}

// addNotices files the suppression notices of a scan: expired and unused
// suppressions as suppression notes, annotation problems as warnings.
func addNotices(scan *report.Scan, notices []suppress.Notice) {
	for _, n := range notices {
		switch n.Kind {
		case suppress.ExpiredException, suppress.UnusedException, suppress.UnusedAnnotation:
			problem := report.SuppressionUnused
			if n.Kind == suppress.ExpiredException {
				problem = report.SuppressionExpired
			}
			scan.Suppressions = append(scan.Suppressions, report.SuppressionNote{
				Source: n.Source, Check: n.Check, Match: n.Match, Reason: n.Reason, Expires: n.Expires, Problem: problem})
		default:
			d := n.Diagnostic()
			scan.Diagnostics = append(scan.Diagnostics, report.Diagnostic{
				File: d.File, Line: d.Line, Column: d.Column, Severity: report.SeverityWarning, Message: d.Message})
		}
	}
}

// selectChecks returns the checks named by --checks (all when the flag is
// not given), without those named by --skip-checks. IDs are matched without
// regard to case. Unknown IDs are a usage error that lists all of them, and
// so is a --checks flag that names no ID at all, as an unset variable in a
// CI script would.
func selectChecks(all []*check.Check, include, exclude []string) ([]*check.Check, error) {
	ids := checkIDs(all)
	include, exclude = normalizeIDs(include), normalizeIDs(exclude)
	if include != nil && len(include) == 0 {
		return nil, usageErrorf("--checks names no check; give check IDs, such as --checks pod-privileged, or leave the flag out to run every check")
	}
	var unknown []string
	for _, list := range [][]string{include, exclude} {
		for _, id := range list {
			if _, ok := check.Lookup(id); !ok {
				unknown = append(unknown, unknownCheckText(id, ids))
			}
		}
	}
	if len(unknown) > 0 {
		return nil, usageErrorf("%s", strings.Join(unknown, "\nkubethreat: "))
	}
	var out []*check.Check
	for _, c := range all {
		if len(include) > 0 && !slices.Contains(include, c.ID) {
			continue
		}
		if slices.Contains(exclude, c.ID) {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, usageErrorf("--checks and --skip-checks leave no check to run")
	}
	return out, nil
}

// normalizeIDs lower-cases and trims check IDs and drops empty ones. It
// keeps nil apart from empty, so that an unset flag stays nil.
func normalizeIDs(list []string) []string {
	if list == nil {
		return nil
	}
	out := []string{}
	for _, id := range list {
		if id = strings.ToLower(strings.TrimSpace(id)); id != "" {
			out = append(out, id)
		}
	}
	return out
}

func unknownCheckText(id string, ids []string) string {
	msg := fmt.Sprintf("unknown check %q", id)
	if s := suppress.NearestCheckIDs(id, ids, 3); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	} else {
		msg += "; kubethreat checks lists them"
	}
	return msg
}

// findConfig returns the configuration file a scan of paths reads by
// default, or "": ./.kubethreat.yaml, else the one in the folder when
// paths is a single folder.
func findConfig(paths []string) string {
	candidates := []string{config.DefaultFile}
	if len(paths) == 1 {
		if info, err := os.Stat(paths[0]); err == nil && info.IsDir() {
			candidates = append(candidates, filepath.Join(paths[0], config.DefaultFile))
		}
	}
	for _, c := range candidates {
		if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

func checkIDs(checks []*check.Check) []string {
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.ID
	}
	return ids
}

// loadConfig reads the configuration file: the one named by --config, or
// else ./.kubethreat.yaml, or else the .kubethreat.yaml of the folder when
// the scan reads exactly one folder. Exceptions must name existing checks.
func loadConfig(file string, paths []string, known []*check.Check) (*config.File, error) {
	if file == "" {
		file = findConfig(paths)
	}
	if file == "" {
		return &config.File{}, nil
	}
	cfg, err := config.Load(file, checkIDs(known)...)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return cfg, nil
}

// parseSize parses a size in bytes, with an optional Kubernetes quantity
// suffix: k, M and G are powers of 1000, Ki, Mi and Gi powers of 1024. A
// trailing B is allowed, as in "10MiB".
func parseSize(s string) (int64, error) {
	text := strings.TrimSuffix(strings.TrimSpace(s), "B")
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}} {
		if rest, ok := strings.CutSuffix(text, u.suffix); ok {
			text, mult = rest, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a positive size such as 5000000, 5M or 10Mi", s)
	}
	return n * mult, nil
}

// outputSpec is one report to write: a format and a file, "" for standard
// output.
type outputSpec struct {
	format, file string
}

// outputFlags collects -o and --output-file in command-line order, so
// that each --output-file binds to the -o just before it.
type outputFlags struct {
	specs  []outputSpec
	orphan []string // --output-file values given before any -o
}

type outputValue struct{ o *outputFlags }

func (v outputValue) String() string { return "" }
func (v outputValue) Type() string   { return "FORMAT[=FILE]" }
func (v outputValue) Set(s string) error {
	format, file, hasFile := strings.Cut(s, "=")
	if hasFile && file == "" {
		return fmt.Errorf("%q names no file after =; use -o FORMAT=FILE, or -o FORMAT for standard output", s)
	}
	format = strings.ToLower(strings.TrimSpace(format))
	v.o.specs = append(v.o.specs, outputSpec{format: format, file: file})
	return nil
}

type outputFileValue struct{ o *outputFlags }

func (v outputFileValue) String() string { return "" }
func (v outputFileValue) Type() string   { return "FILE" }
func (v outputFileValue) Set(file string) error {
	if file == "" {
		return errors.New("empty file name; give a file, or - for standard output")
	}
	if len(v.o.specs) == 0 {
		v.o.orphan = append(v.o.orphan, file)
		return nil
	}
	last := &v.o.specs[len(v.o.specs)-1]
	if last.file != "" {
		return fmt.Errorf("-o %s already writes to %s; give each --output-file after its own -o", last.format, last.file)
	}
	last.file = file
	return nil
}

// resolve returns the reports to write. Without -o there is one table
// report, written to the only --output-file if one is given.
func (o *outputFlags) resolve() ([]outputSpec, error) {
	specs := slices.Clone(o.specs)
	switch {
	case len(specs) == 0 && len(o.orphan) > 1:
		return nil, usageErrorf("%d --output-file flags but no -o; give each report its own -o FORMAT before its --output-file", len(o.orphan))
	case len(specs) == 0:
		specs = []outputSpec{{format: "table"}}
		if len(o.orphan) == 1 {
			specs[0].file = o.orphan[0]
		}
	case len(o.orphan) > 0:
		return nil, usageErrorf("--output-file %s comes before any -o; put it right after the -o it belongs to", o.orphan[0])
	}

	stdout, files := 0, map[string]bool{}
	for i := range specs {
		s := &specs[i]
		if s.file == "-" {
			s.file = ""
		}
		if _, ok := report.Lookup(s.format); !ok {
			return nil, usageErrorf("unknown output format %q; use one of %s", s.format, strings.Join(report.Formats(), ", "))
		}
		if s.file == "" {
			stdout++
			continue
		}
		if files[s.file] {
			return nil, usageErrorf("two reports write to %s; give each its own file", s.file)
		}
		files[s.file] = true
	}
	if stdout > 1 {
		return nil, usageErrorf("%d reports would go to standard output; name a file for all but one with -o FORMAT=FILE or --output-file", stdout)
	}
	return specs, nil
}

func tableOnStdout(specs []outputSpec) bool {
	for _, s := range specs {
		if s.format == "table" && s.file == "" {
			return true
		}
	}
	return false
}

// writeReports writes every requested report. Colour is used for a table
// on a terminal unless NO_COLOR is set.
func writeReports(e *env, specs []outputSpec, scan *report.Scan) error {
	for _, s := range specs {
		write, _ := report.Lookup(s.format) // resolve checked the format
		if s.file == "" {
			scan.Color = s.format == "table" && isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
			if err := write(e.stdout, scan); err != nil {
				return &exitError{code: ExitUsage, err: fmt.Errorf("writing the %s report: %w", s.format, err)}
			}
			continue
		}
		scan.Color = false
		if err := writeFile(s.file, func(w io.Writer) error { return write(w, scan) }); err != nil {
			return &exitError{code: ExitUsage, err: fmt.Errorf("writing the %s report: %w", s.format, err)}
		}
	}
	return nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// progress is the state a scan shows on a terminal while it runs.
type progress struct {
	mu      sync.Mutex
	stage   string
	files   int
	objects int
}

// set updates the stage and, when not negative, the file and object
// counts.
func (p *progress) set(stage string, files, objects int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage = stage
	if files >= 0 {
		p.files = files
	}
	if objects >= 0 {
		p.objects = objects
	}
}

// line formats the progress, such as "kubethreat: checking (1200 objects
// from 40 files, 3s)".
func (p *progress) line(elapsed time.Duration) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var counts string
	if p.objects > 0 {
		counts = fmt.Sprintf("%d objects", p.objects)
		if p.files > 0 {
			counts += fmt.Sprintf(" from %d files", p.files)
		}
		counts += ", "
	}
	return fmt.Sprintf("kubethreat: %s (%s%s)", p.stage, counts, elapsed.Truncate(time.Second))
}

// progressPrinter rewrites one line of a terminal with the progress.
type progressPrinter struct {
	w       io.Writer
	p       *progress
	start   time.Time
	delay   time.Duration // nothing is shown for scans shorter than this
	printed bool
}

func (pp *progressPrinter) tick(at time.Time) {
	elapsed := at.Sub(pp.start)
	if elapsed < pp.delay {
		return
	}
	fmt.Fprintf(pp.w, "\r\x1b[K%s", pp.p.line(elapsed))
	pp.printed = true
}

// clear erases the progress line, if one was printed.
func (pp *progressPrinter) clear() {
	if pp.printed {
		fmt.Fprint(pp.w, "\r\x1b[K")
	}
}

// startProgress shows the progress on w every quarter second once the scan
// has run for delay, and returns a function that stops and erases it.
func startProgress(w io.Writer, p *progress, delay time.Duration) (stop func()) {
	pp := &progressPrinter{w: w, p: p, start: time.Now(), delay: delay}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(250 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				pp.clear()
				return
			case at := <-ticker.C:
				pp.tick(at)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
