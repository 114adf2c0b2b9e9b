package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	chartloader "helm.sh/helm/v4/pkg/chart/loader"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	v2loader "helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"
)

// helmUserValues merges the values files and --set values given for every
// chart, as helm does: files in order, then each --set.
func helmUserValues(files, set []string) (map[string]any, error) {
	if len(files) == 0 && len(set) == 0 {
		return map[string]any{}, nil
	}
	for _, f := range files {
		if strings.TrimSpace(f) == "-" {
			return nil, errors.New(`reading Helm values from standard input ("-") is not supported; give a file`)
		}
		if strings.Contains(f, "://") {
			return nil, fmt.Errorf("helm values file %q is a URL; download it and give the local file", f)
		}
	}
	vals := map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cannot read Helm values file: %w", err)
		}
		current, err := v2loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("invalid Helm values file %s: %w", f, err)
		}
		vals = v2loader.MergeMaps(vals, current)
	}
	for _, s := range set {
		if err := strvals.ParseInto(s, vals); err != nil {
			return nil, fmt.Errorf("invalid --set value %q: %w", s, err)
		}
	}
	return vals, nil
}

// renderChart renders a Helm chart folder in process, as `helm template`
// does with no cluster: release name and namespace from the options, the
// default capabilities of the Helm SDK, and no lookups or DNS. Values
// schemas are not validated, because a schema may reference a URL that
// helm would fetch.
func (l *loader) renderChart(ctx context.Context, dir string) *decoded {
	d := &decoded{}
	chartFile := filepath.Join(dir, "Chart.yaml")
	charter, err := chartloader.Load(dir)
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: chartFile, Message: fmt.Sprintf("cannot load Helm chart %s: %v", dir, err)})
		return d
	}
	ch, ok := charter.(*chartv2.Chart)
	if !ok {
		d.errors = append(d.errors, Diagnostic{File: chartFile, Message: fmt.Sprintf("Helm chart %s uses chart API version v3, which is not supported yet", dir)})
		return d
	}
	name := ch.Name()
	d.warnings = append(d.warnings, missingDependencies(ch, chartFile)...)

	vals := deepCopyValues(l.helmValues)
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		d.errors = append(d.errors, Diagnostic{File: chartFile, Message: fmt.Sprintf("Helm chart %s: cannot process dependencies: %v", name, err)})
		return d
	}
	release := common.ReleaseOptions{Name: l.opts.ReleaseName, Namespace: l.opts.Namespace, Revision: 1, IsInstall: true}
	top, err := commonutil.ToRenderValuesWithSchemaValidation(ch, vals, release, common.DefaultCapabilities.Copy(), true)
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: chartFile, Message: fmt.Sprintf("Helm chart %s: invalid values: %v", name, err)})
		return d
	}

	var eng engine.Engine
	rendered, err := eng.RenderWithContext(ctx, ch, top)
	if err != nil {
		// The engine stops at the first failing template. Rendering one
		// template at a time finds the failing ones and keeps the others.
		rendered = renderEachTemplate(ctx, ch, top, dir, d)
	}
	for _, key := range sortedKeys(rendered) {
		if strings.HasSuffix(key, "NOTES.txt") || strings.TrimSpace(rendered[key]) == "" {
			continue
		}
		d.addRendered(templateFile(dir, key), key, rendered[key], "helm", name)
	}
	for _, crd := range ch.CRDObjects() {
		key := filepath.ToSlash(crd.Filename)
		d.addRendered(templateFile(dir, key), key, string(crd.File.Data), "helm", name)
	}
	return d
}

// addRendered decodes the output of a Helm template or the build output
// of a Kustomize resource. file is the source file on disk.
// NOTE: line numbers count from the start of the rendered text, not of
// file, because a template's lines do not map one to one to its output.
func (d *decoded) addRendered(file, template, text, origin, producer string) {
	sub := decodeStream(file, []byte(text), origin, false)
	for _, o := range sub.objects {
		o.Template = template
	}
	for i := range sub.errors {
		sub.errors[i].Message = fmt.Sprintf("%s %s: output of %s is not valid: %s", originTitle(origin), producer, template, sub.errors[i].Message)
		if sub.errors[i].Hint == "" {
			sub.errors[i].Hint = "line numbers count from the start of the rendered output"
		}
	}
	d.objects = append(d.objects, sub.objects...)
	d.errors = append(d.errors, sub.errors...)
	d.warnings = append(d.warnings, sub.warnings...)
	for reason, n := range sub.skippedBy {
		d.skipped += n
		if d.skippedBy == nil {
			d.skippedBy = map[string]int{}
		}
		d.skippedBy[reason] += n
	}
}

func originTitle(origin string) string {
	if origin == "helm" {
		return "Helm chart"
	}
	return "kustomization"
}

// templateFile maps a rendered template name such as
// "mychart/charts/sub/templates/a.yaml" to its file under the chart
// folder. The first element is the chart's name, which need not be the
// folder's name.
// NOTE: a subchart packed as a .tgz archive, or one whose folder name
// differs from its chart name or alias, maps to a path that does not exist.
func templateFile(dir, key string) string {
	_, rest, ok := strings.Cut(key, "/")
	if !ok {
		return dir
	}
	return filepath.Join(dir, filepath.FromSlash(rest))
}

// missingDependencies warns about dependencies listed in Chart.yaml that
// are not in the chart's charts/ folder. Helm would refuse to render;
// here the chart renders without them.
func missingDependencies(ch *chartv2.Chart, chartFile string) []Diagnostic {
	var out []Diagnostic
	present := map[string]bool{}
	for _, dep := range ch.Dependencies() {
		present[dep.Name()] = true
	}
	for _, req := range ch.Metadata.Dependencies {
		if req == nil || present[req.Name] {
			continue
		}
		out = append(out, Diagnostic{
			File:    chartFile,
			Message: fmt.Sprintf("Helm chart %s: dependency %q is not in its charts/ folder, so its templates are not scanned", ch.Name(), req.Name),
			Hint:    "run `helm dependency build` to download it",
		})
	}
	return out
}

// renderEachTemplate renders every template of the chart tree on its own,
// with all partials ("_*.tpl") loaded, and reports each one that fails.
func renderEachTemplate(ctx context.Context, root *chartv2.Chart, top common.Values, dir string, d *decoded) map[string]string {
	var charts []*chartv2.Chart
	var collect func(c *chartv2.Chart)
	collect = func(c *chartv2.Chart) {
		charts = append(charts, c)
		for _, dep := range c.Dependencies() {
			collect(dep)
		}
	}
	collect(root)

	original := make([][]*common.File, len(charts))
	partials := make([][]*common.File, len(charts))
	for i, c := range charts {
		original[i] = c.Templates
		for _, t := range c.Templates {
			if t != nil && strings.HasPrefix(path.Base(t.Name), "_") {
				partials[i] = append(partials[i], t)
			}
		}
	}
	defer func() {
		for i, c := range charts {
			c.Templates = original[i]
		}
	}()

	out := map[string]string{}
	var eng engine.Engine
	for i, c := range charts {
		for _, t := range original[i] {
			if t == nil || strings.HasPrefix(path.Base(t.Name), "_") || strings.HasSuffix(t.Name, "NOTES.txt") {
				continue
			}
			for j, other := range charts {
				other.Templates = partials[j]
			}
			c.Templates = append(append([]*common.File{}, partials[i]...), t)
			key := path.Join(c.ChartFullPath(), t.Name)
			rendered, err := eng.RenderWithContext(ctx, root, top)
			if err != nil {
				diag := Diagnostic{
					File:    templateFile(dir, key),
					Message: fmt.Sprintf("Helm chart %s: template %s failed to render: %v", root.Name(), key, err),
				}
				diag.Line, diag.Column = templateErrorPosition(err.Error(), key)
				d.errors = append(d.errors, diag)
				continue
			}
			if text, ok := rendered[key]; ok {
				out[key] = text
			}
		}
	}
	return out
}

// deepCopyValues copies nested maps and slices of a values tree, so that
// processing one chart cannot change the values of another.
func deepCopyValues(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, val := range v {
		out[k] = deepCopyValue(val)
	}
	return out
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopyValues(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}

// templateErrorPosition finds the "(name:line:column)" or "(name:line)"
// that Helm's engine puts in its errors, and returns the line and column
// in the template source.
func templateErrorPosition(msg, key string) (line, column int) {
	i := strings.Index(msg, "("+key+":")
	if i < 0 {
		return 0, 0
	}
	rest := msg[i+len(key)+2:]
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return 0, 0
	}
	lineText, colText, _ := strings.Cut(rest[:end], ":")
	line, _ = strconv.Atoi(lineText)
	column, _ = strconv.Atoi(colText)
	return line, column
}
