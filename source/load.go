package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxFileSize is the size above which a file is skipped with a
// warning, unless LoadOptions.MaxFileSize sets another limit.
const DefaultMaxFileSize = 10 << 20

// StdinName is the file name recorded for objects read from standard
// input.
const StdinName = "<stdin>"

// binarySniffLen is how much of a file is searched for a NUL byte to tell
// a binary file.
const binarySniffLen = 8 << 10

// LoadOptions selects the inputs of Load.
type LoadOptions struct {
	// Paths are files and folders to read; "-" reads Stdin.
	Paths []string
	Stdin io.Reader
	// MaxFileSize is the size in bytes above which a file is skipped with
	// a warning; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// HelmValues are values files applied to every Helm chart, in order.
	HelmValues []string
	// HelmSet are values in the syntax of helm's --set flag, such as
	// "image.tag=1.2,replicas=3", applied after HelmValues.
	HelmSet []string
	// ReleaseName and Namespace are the Helm release name and namespace;
	// "" means "release" and "default".
	ReleaseName string
	Namespace   string
	// Workers bounds the files read and decoded at once; 0 means one per
	// CPU.
	Workers int
}

// LoadResult is the objects and diagnostics of one Load call.
type LoadResult struct {
	// Objects are in input order: paths in the order given, files of a
	// folder in lexical order, documents in file order.
	Objects []*Object
	// Skipped counts the files and documents that are not Kubernetes
	// objects, and SkippedBy breaks the count down by reason, such as
	// SkipValues or SkipNotObject.
	Skipped   int
	SkippedBy map[string]int
	// Warnings name files that were skipped for their size or content.
	Warnings []Diagnostic
	// Errors name documents, files, charts and kustomizations that could
	// not be read; the rest of the input was still loaded.
	Errors []Diagnostic
}

type jobKind int

const (
	jobFile jobKind = iota
	jobStdin
	jobChart
	jobKustomize
)

// job is one unit of work: a file, standard input, a chart folder or a
// kustomization folder.
type job struct {
	kind jobKind
	path string
}

// loader holds the settings shared by the jobs of one Load call.
type loader struct {
	opts       LoadOptions
	maxSize    int64
	helmValues map[string]any
}

// Load reads Kubernetes objects from files, folders, standard input, Helm
// charts and Kustomize folders. A broken input is reported in the result's
// Errors and does not stop the others; Load itself fails only on invalid
// options (an unreadable values file, a bad --set) or when ctx ends.
func Load(ctx context.Context, opts LoadOptions) (*LoadResult, error) {
	l := &loader{opts: opts, maxSize: opts.MaxFileSize}
	if l.maxSize <= 0 {
		l.maxSize = DefaultMaxFileSize
	}
	if l.opts.ReleaseName == "" {
		l.opts.ReleaseName = "release"
	}
	if l.opts.Namespace == "" {
		l.opts.Namespace = "default"
	}
	vals, err := helmUserValues(opts.HelmValues, opts.HelmSet)
	if err != nil {
		return nil, err
	}
	l.helmValues = vals

	res := &LoadResult{SkippedBy: map[string]int{}}
	jobs := l.plan(res)
	results := l.run(ctx, jobs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, d := range results {
		res.Objects = append(res.Objects, d.objects...)
		res.Skipped += d.skipped
		for reason, n := range d.skippedBy {
			res.SkippedBy[reason] += n
		}
		res.Warnings = append(res.Warnings, d.warnings...)
		res.Errors = append(res.Errors, d.errors...)
	}
	return res, nil
}

// plan expands the paths into jobs in a deterministic order, and records
// paths that cannot be read.
func (l *loader) plan(res *LoadResult) []job {
	var jobs []job
	stdinUsed := false
	for _, p := range l.opts.Paths {
		if p == "-" {
			if stdinUsed {
				res.Errors = append(res.Errors, Diagnostic{File: StdinName, Message: `"-" is given more than once; standard input is read once`})
				continue
			}
			stdinUsed = true
			jobs = append(jobs, job{kind: jobStdin, path: StdinName})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			res.Errors = append(res.Errors, Diagnostic{File: p, Message: "cannot read: " + pathErrorText(err)})
			continue
		}
		if !info.IsDir() {
			jobs = append(jobs, job{kind: jobFile, path: p})
			continue
		}
		jobs = append(jobs, l.walk(p, res)...)
	}
	return dropReferencedKustomizations(jobs)
}

// pathErrorText returns the reason of a file system error without the
// path, which the diagnostic names already.
func pathErrorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// walk lists the jobs under a folder. A folder with a Chart.yaml is a Helm
// chart and one with a kustomization file is a Kustomize root; either
// claims everything below it.
func (l *loader) walk(root string, res *LoadResult) []job {
	var jobs []job
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			res.Errors = append(res.Errors, Diagnostic{File: path, Message: "cannot read: " + pathErrorText(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && (d.Name() == ".git" || d.Name() == "node_modules") {
				return fs.SkipDir
			}
			if isFile(filepath.Join(path, "Chart.yaml")) {
				jobs = append(jobs, job{kind: jobChart, path: path})
				return fs.SkipDir
			}
			if kustomizationFile(path) != "" {
				jobs = append(jobs, job{kind: jobKustomize, path: path})
				return fs.SkipDir
			}
			return nil
		}
		if !hasManifestExt(path) {
			return nil
		}
		if w, skip := checkFileType(path, d.Type()); skip {
			if w != nil {
				res.Warnings = append(res.Warnings, *w)
			}
			return nil
		}
		jobs = append(jobs, job{kind: jobFile, path: path})
		return nil
	})
	if err != nil {
		res.Errors = append(res.Errors, Diagnostic{File: root, Message: "cannot read: " + pathErrorText(err)})
	}
	return jobs
}

// checkFileType decides whether a folder entry named like a manifest is
// read. A regular file is, and so is a symbolic link to one. Links to
// folders are not followed, which keeps the walk free of loops. Anything
// else is skipped with a warning, without opening it: opening a named pipe
// for reading blocks until another process writes to it.
func checkFileType(path string, mode fs.FileMode) (warning *Diagnostic, skip bool) {
	if mode.IsRegular() {
		return nil, false
	}
	if mode&fs.ModeSymlink == 0 {
		return &Diagnostic{File: path, Message: "skipped " + fileTypeName(mode) + ", which is not a regular file"}, true
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		target, _ := os.Readlink(path)
		return &Diagnostic{File: path,
			Message: fmt.Sprintf("skipped a broken symbolic link, because its target %q does not exist", target),
			Hint:    "fix or remove the link"}, true
	case err != nil:
		return &Diagnostic{File: path, Message: "skipped a symbolic link whose target cannot be read: " + pathErrorText(err)}, true
	case info.IsDir():
		return &Diagnostic{File: path, Message: "skipped a symbolic link to a folder, because links to folders are not followed",
			Hint: "scan the folder by its own path"}, true
	case !info.Mode().IsRegular():
		return &Diagnostic{File: path, Message: "skipped a symbolic link to " + fileTypeName(info.Mode()) + ", which is not a regular file"}, true
	}
	return nil, false
}

// fileTypeName names the type of a file that is neither regular nor a
// folder, with its article.
func fileTypeName(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func hasManifestExt(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// run executes the jobs on a bounded pool of workers and returns their
// results in job order.
func (l *loader) run(ctx context.Context, jobs []job) []*decoded {
	results := make([]*decoded, len(jobs))
	workers := l.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))

	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = l.runJob(ctx, jobs[i])
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()

	for i, r := range results {
		if r == nil {
			results[i] = &decoded{}
		}
	}
	return results
}

// runJob runs one job and turns a panic in a library into an error on
// that input.
func (l *loader) runJob(ctx context.Context, j job) (d *decoded) {
	defer func() {
		if p := recover(); p != nil {
			d = &decoded{errors: []Diagnostic{{File: j.path, Message: fmt.Sprintf("internal error while reading: %v", p)}}}
		}
	}()
	switch j.kind {
	case jobStdin:
		return l.loadStdin()
	case jobChart:
		return l.renderChart(ctx, j.path)
	case jobKustomize:
		return buildKustomization(j.path)
	}
	return l.loadFile(j.path)
}

// skippedByName returns the reason to skip a file for its name alone, or
// "".
func skippedByName(path string) string {
	base := filepath.Base(path)
	lower := strings.ToLower(base)
	switch {
	case base == "Chart.yaml":
		return SkipChart
	case lower == "kustomization.yaml" || lower == "kustomization.yml":
		return SkipKustomization
	case strings.HasPrefix(lower, "values") && hasManifestExt(lower):
		return SkipValues
	}
	return ""
}

func (l *loader) loadFile(path string) *decoded {
	d := &decoded{}
	if reason := skippedByName(path); reason != "" {
		d.skip(reason)
		return d
	}
	f, err := os.Open(path)
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: path, Message: "cannot read: " + pathErrorText(err)})
		return d
	}
	defer f.Close()
	data, size, err := readBounded(f, l.maxSize)
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: path, Message: "cannot read: " + pathErrorText(err)})
		return d
	}
	if data == nil {
		d.warnings = append(d.warnings, l.tooBig(path, size))
		return d
	}
	if data, err = decodeUTF16(data); err != nil {
		d.errors = append(d.errors, Diagnostic{File: path, Message: "cannot read: " + err.Error(), Hint: utf16Hint})
		return d
	}
	if isBinary(data) {
		d.warnings = append(d.warnings, binaryWarning(path))
		return d
	}
	return decodeStream(path, data, "file", isJSONName(path))
}

func (l *loader) loadStdin() *decoded {
	d := &decoded{}
	if l.opts.Stdin == nil {
		d.errors = append(d.errors, Diagnostic{File: StdinName, Message: `"-" is given but no standard input is connected`})
		return d
	}
	data, size, err := readBounded(l.opts.Stdin, l.maxSize)
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: StdinName, Message: "cannot read: " + err.Error()})
		return d
	}
	if data == nil {
		d.warnings = append(d.warnings, l.tooBig(StdinName, size))
		return d
	}
	if data, err = decodeUTF16(data); err != nil {
		d.errors = append(d.errors, Diagnostic{File: StdinName, Message: "cannot read: " + err.Error(), Hint: utf16Hint})
		return d
	}
	if isBinary(data) {
		d.warnings = append(d.warnings, binaryWarning(StdinName))
		return d
	}
	return decodeStream(StdinName, data, "stdin", false)
}

// readBounded reads r up to max bytes. When r holds more, it returns nil
// data and the size read so far, which is more than max.
func readBounded(r io.Reader, max int64) (data []byte, size int64, err error) {
	var buf bytes.Buffer
	if f, ok := r.(*os.File); ok {
		if info, statErr := f.Stat(); statErr == nil && info.Mode().IsRegular() {
			if info.Size() > max {
				return nil, info.Size(), nil
			}
			buf.Grow(int(info.Size()) + bytes.MinRead)
		}
	}
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, n, err
	}
	if n > max {
		return nil, n, nil
	}
	return buf.Bytes(), n, nil
}

func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniffLen)], 0) >= 0
}

func binaryWarning(name string) Diagnostic {
	return Diagnostic{File: name, Message: "skipped a binary file (it has a NUL byte in its first 8 KiB)"}
}

func (l *loader) tooBig(name string, size int64) Diagnostic {
	fileText, limitText := formatSizes(size, l.maxSize)
	msg := fmt.Sprintf("skipped: the file is %s, over the maximum file size of %s", fileText, limitText)
	if name == StdinName {
		msg = fmt.Sprintf("skipped: standard input is larger than the maximum file size of %s", formatSize(l.maxSize))
	}
	return Diagnostic{File: name, Message: msg, Hint: "raise the limit with --max-file-size"}
}

// formatSizes formats a file's size in the unit that formatSize picks for
// the limit, so that the two compare at a glance, such as "1.5 MB" against
// "1 MB", with up to three decimals to tell them apart. When they still
// look equal, or the limit is no whole number of a unit, both are given in
// bytes.
func formatSizes(size, limit int64) (sizeText, limitText string) {
	limitText = formatSize(limit)
	number, unit, ok := strings.Cut(limitText, " ")
	whole, err := strconv.ParseInt(number, 10, 64)
	if ok && err == nil && whole > 0 && unit != "bytes" && !strings.Contains(number, ".") {
		value := float64(size) / float64(limit/whole)
		for decimals := 1; decimals <= 3; decimals++ {
			text := strconv.FormatFloat(value, 'f', decimals, 64)
			if strings.Contains(text, ".") {
				text = strings.TrimRight(strings.TrimRight(text, "0"), ".")
			}
			if text += " " + unit; text != limitText {
				return text, limitText
			}
		}
	}
	return fmt.Sprintf("%d bytes", size), fmt.Sprintf("%d bytes", limit)
}

// formatSize formats a byte count as a whole number of decimal or binary
// units when it is one, such as "1 MB" for a limit given as 1M or "10 MiB"
// for 10Mi, and otherwise in binary units, such as "12.5 MiB".
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	for i, u := range []struct {
		decimal, binary string
	}{{"TB", "TiB"}, {"GB", "GiB"}, {"MB", "MiB"}, {"kB", "KiB"}} {
		exp := 4 - i
		dec, bin := int64(1), int64(1)
		for range exp {
			dec *= 1000
			bin *= unit
		}
		if n%bin == 0 {
			return fmt.Sprintf("%d %s", n/bin, u.binary)
		}
		if n%dec == 0 {
			return fmt.Sprintf("%d %s", n/dec, u.decimal)
		}
	}
	value, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB"} {
		value /= unit
		suffix = s
		if value < unit {
			break
		}
	}
	text := fmt.Sprintf("%.1f", value)
	text = strings.TrimSuffix(text, ".0")
	return text + " " + suffix
}

// sortedKeys returns the keys of a map in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
