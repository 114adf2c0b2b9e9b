package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/internal/gctune"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
	"github.com/kubethreat/kubethreat/report/navigator"
)

func init() { commands = append(commands, newCoverageCommand) }

// coverageFlags are the flags of the coverage command.
type coverageFlags struct {
	rules      []string
	profiles   []string
	scanFile   string
	attestFile string
	format     string
	outFile    string
	stixFile   string
	baseURL    string
	width      int
}

var coverageFormats = []string{"table", "json", "html", "markdown", "navigator"}

func newCoverageCommand(e *env) *cobra.Command {
	f := &coverageFlags{}
	cmd := &cobra.Command{
		Use:   "coverage [PATH...]",
		Short: "Measure detection coverage and plan mitigations",
		Long: "Import detection rules (Falco, Sigma, Elastic, Splunk, kubethreat mapping files) and\n" +
			"built-in profiles, map them to the techniques of the Threat Matrix for Kubernetes, and\n" +
			"combine them with exposure and mitigations into per-technique coverage and a\n" +
			"prioritized mitigation plan.\n\n" +
			"Exposure comes from a saved scan (--scan RESULT.json, written by scan -o json) or from\n" +
			"scanning PATH... here. Without either, every technique's exposure is not_evaluated.\n\n" +
			"Exit codes: 0 when every input was read, 2 on a usage error or when a rule file,\n" +
			"scan result, attestation file or scanned path could not be read; the report is still\n" +
			"written from what could be read, except for an invalid attestation file.",
		Example: "  kubethreat coverage --rules falco/ --rules sigma/ --scan scan.json\n" +
			"  kubethreat coverage --profile defender k8s/ -o html --output-file coverage.html\n" +
			"  kubethreat coverage --rules rules/ --attest attestations.yaml -o navigator --output-file layer.json\n" +
			"  kubethreat coverage --stix matrix.stix.json",
		RunE: func(cmd *cobra.Command, args []string) error { return runCoverage(e, f, args) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.rules, "rules", nil, "rule file or folder to import (repeatable; Falco files load in the order given)")
	fl.StringSliceVar(&f.profiles, "profile", nil, "built-in detection profile: "+strings.Join(detect.Profiles(), ", ")+" (repeatable)")
	fl.StringVar(&f.scanFile, "scan", "", "saved scan result (JSON from scan -o json) to take exposure from")
	fl.StringVar(&f.attestFile, "attest", "", "attestation file of mitigations and detections the tools cannot see")
	fl.StringVarP(&f.format, "output", "o", "table", "output format: "+strings.Join(coverageFormats, ", "))
	fl.StringVar(&f.outFile, "output-file", "", "write the report to this file instead of standard output")
	fl.StringVar(&f.stixFile, "stix", "", "also write the matrix as a STIX 2.1 bundle to this file")
	fl.StringVar(&f.baseURL, "navigator-base-url", navigator.DefaultBaseURL, "base URL of the kubethreat pages that navigator layer links point to")
	fl.IntVar(&f.width, "width", 0, "table width in columns (default: the terminal's width, or 100)")
	return cmd
}

// minCoverageWidth is the narrowest table the coverage text report lays
// out: a technique ID, a short name and the status columns.
const minCoverageWidth = 40

func runCoverage(e *env, f *coverageFlags, paths []string) error {
	if err := checkFormat(&f.format, coverageFormats...); err != nil {
		return err
	}
	if f.width != 0 && f.width < minCoverageWidth {
		return usageErrorf("invalid --width %d: use at least %d columns, or 0 for the terminal's width", f.width, minCoverageWidth)
	}
	if f.scanFile != "" && len(paths) > 0 {
		return usageErrorf("give either --scan or paths to scan, not both")
	}
	m, err := e.matrix()
	if err != nil {
		return err
	}

	in := assess.Input{Matrix: m, Checks: check.All()}
	if in.Attestations, err = readAttestations(m, f.attestFile); err != nil {
		return err
	}
	rules, inputErrors, err := loadRules(e, m, f)
	if err != nil {
		return err
	}
	in.Rules = rules
	scan, scanErrors, err := loadExposure(e, m, f.scanFile, paths)
	if err != nil {
		return err
	}
	in.Scan = scan
	inputErrors += scanErrors

	cov := assess.Compute(in)
	if err := writeCoverage(e, f, cov); err != nil {
		return err
	}
	if f.stixFile != "" {
		if err := writeFile(f.stixFile, func(w io.Writer) error { return writeSTIXBundle(w, m) }); err != nil {
			return err
		}
	}
	if inputErrors > 0 {
		return usageErrorf("the input has the errors listed above; the report covers what could be read")
	}
	return nil
}

func readAttestations(m *matrix.Matrix, file string) (*assess.Attestations, error) {
	if file == "" {
		return nil, nil
	}
	a, err := assess.ReadAttestations(m, file)
	if err != nil {
		return nil, usageErrorf("invalid attestation file:\n%v", err)
	}
	return a, nil
}

// loadRules imports the rule paths and profiles, prints the diagnostics
// and returns how many of them were errors.
func loadRules(e *env, m *matrix.Matrix, f *coverageFlags) (*detect.Set, int, error) {
	set := &detect.Set{}
	for _, name := range f.profiles {
		p, err := detect.Profile(name)
		if err != nil {
			return nil, 0, usageErrorf("invalid --profile: %v", err)
		}
		set.Add(p)
	}
	errors := 0
	if len(f.rules) > 0 {
		imported, diags := (&detect.Importer{Matrix: m}).Import(f.rules)
		set.Add(imported)
		for _, d := range diags {
			fmt.Fprintf(e.stderr, "kubethreat: %s\n", d)
			if d.Severity == detect.SeverityError {
				errors++
			}
		}
		// A mistyped --rules path that holds no rule would otherwise look
		// like a clean run with no detections at all.
		// The message is left out when an error above already explains
		// the missing rules.
		if (imported == nil || len(imported.Rules) == 0) && errors == 0 {
			fmt.Fprintf(e.stderr, "kubethreat: no Falco, Sigma, Elastic, Splunk or mapping-file rule found in %s; check the --rules paths\n", strings.Join(f.rules, ", "))
			errors++
		}
	}
	return set, errors, nil
}

// loadExposure reads a saved scan result, or scans paths with the scan
// command's pipeline, and returns the scan document and the number of
// input errors it reported. Without either it returns nil.
func loadExposure(e *env, m *matrix.Matrix, scanFile string, paths []string) (*report.ScanDocument, int, error) {
	switch {
	case scanFile != "":
		r, err := os.Open(scanFile)
		if err != nil {
			return nil, 0, usageErrorf("cannot read scan result: %v", err)
		}
		defer r.Close()
		doc, err := report.ReadJSON(r)
		if err != nil {
			return nil, 0, usageErrorf("%s: %v", scanFile, err)
		}
		// A saved scan that had input errors, or read nothing, makes the
		// coverage as incomplete as a scan run here would.
		errors := 0
		for _, d := range doc.Diagnostics {
			if d.Severity == report.SeverityError {
				fmt.Fprintf(e.stderr, "kubethreat: %s: input error of the saved scan: %s\n", scanFile, diagnosticText(d))
				errors++
			}
		}
		return doc, errors, nil
	case len(paths) > 0:
		return scanForCoverage(e, m, paths)
	}
	return nil, 0, nil
}

// scanForCoverage runs the scan command's input, check and suppression
// stages on paths, with the scan command's defaults and configuration file.
func scanForCoverage(e *env, m *matrix.Matrix, paths []string) (*report.ScanDocument, int, error) {
	sf := &scanFlags{}
	plan, err := planScan(sf)
	if err != nil {
		return nil, 0, err
	}
	gctune.ForScan()
	scan, evalErr := evaluate(e.ctx, fileStage(paths, e.stdin, sf), &progress{}, plan, sf)
	if scan == nil {
		return nil, 0, evalErr
	}
	tool := report.Tool{Name: "kubethreat", Version: Version, MatrixVersion: m.Version, AttackVersion: m.AttackVersion}
	scan.Tool, scan.Matrix, scan.StartedAt = tool, m, now()
	scan.Techniques = assess.Exposure(m, scan.Result, plan.known)

	// Input problems are shown as the scan command shows them. When
	// nothing could be evaluated, evaluate's error lists them already.
	errors := 0
	for _, d := range scan.Diagnostics {
		if d.Severity == report.SeverityError {
			errors++
		}
	}
	if evalErr != nil {
		fmt.Fprintf(e.stderr, "kubethreat: %v\n", evalErr)
		return report.NewScanDocument(scan, tool), max(errors, 1), nil
	}
	for _, d := range scan.Diagnostics {
		prefix := ""
		if d.Severity != report.SeverityError {
			prefix = "warning: "
		}
		fmt.Fprintf(e.stderr, "kubethreat: %s%s\n", prefix, diagnosticText(d))
	}
	return report.NewScanDocument(scan, tool), errors, nil
}

// writeCoverage writes the report in the chosen format to standard output
// or to --output-file.
func writeCoverage(e *env, f *coverageFlags, cov *assess.Coverage) error {
	toStdout := f.outFile == "" || f.outFile == "-"
	write := func(w io.Writer) error {
		switch f.format {
		case "json":
			return assess.WriteJSON(w, cov)
		case "html":
			return assess.WriteHTML(w, cov)
		case "markdown":
			return assess.WriteMarkdown(w, cov)
		case "navigator":
			return navigator.Write(w, cov, navigator.Options{BaseURL: f.baseURL})
		}
		width := f.width
		if width <= 0 && toStdout {
			width = terminalWidth(e.stdout, 100)
		}
		color := toStdout && isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
		return assess.WriteText(w, cov, assess.TextOptions{Width: width, Color: color})
	}
	if toStdout {
		return write(e.stdout)
	}
	return writeFile(f.outFile, write)
}
