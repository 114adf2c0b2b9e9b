package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// originAnnotation is the annotation in which kustomize records the file a
// resource came from when a kustomization sets
// "buildMetadata: [originAnnotations]".
const originAnnotation = "config.kubernetes.io/origin"

// kustomizeMu serialises kustomize builds: krusty stores the OpenAPI
// schema of each build in package state.
var kustomizeMu sync.Mutex

// kustomizationNames are the file names kustomize recognizes, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// kustomizationFile returns the kustomization file of dir, or "".
func kustomizationFile(dir string) string {
	for _, name := range kustomizationNames {
		if p := filepath.Join(dir, name); isFile(p) {
			return p
		}
	}
	return ""
}

// buildKustomization runs `kustomize build` on dir in process, with plugins
// disabled and the default load restrictions. It refuses remote bases and
// resources before building, so that kustomize never reaches the network
// or runs git.
func buildKustomization(dir string) *decoded {
	d := &decoded{}
	file := kustomizationFile(dir)
	// Kustomize resolves symbolic links before it reads files, so the root
	// that originFS compares with must be resolved too, or the origin
	// annotations, and with them the file and line of every object, are
	// lost for a folder reached through a link.
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: file, Message: "cannot resolve the kustomization folder: " + err.Error()})
		return d
	}
	if diag := checkLocal(dir, map[string]bool{}, nil); diag != nil {
		d.errors = append(d.errors, *diag)
		return d
	}

	fsys := originFS{FileSystem: filesys.MakeFsOnDisk(), root: abs}
	kustomizeMu.Lock()
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, abs)
	kustomizeMu.Unlock()
	if err != nil {
		d.errors = append(d.errors, Diagnostic{File: file, Message: fmt.Sprintf("kustomize build %s failed: %v", dir, err)})
		return d
	}
	for _, r := range resources.Resources() {
		template, source := "", file
		if origin, err := r.GetOrigin(); err == nil && origin != nil {
			switch {
			case origin.Repo == "" && origin.Path != "":
				template, source = origin.Path, filepath.Join(dir, origin.Path)
			case origin.ConfiguredIn != "":
				template, source = origin.ConfiguredIn, filepath.Join(dir, origin.ConfiguredIn)
			}
		}
		annotations := r.GetAnnotations()
		if _, ok := annotations[originAnnotation]; ok {
			delete(annotations, originAnnotation)
			if err := r.SetAnnotations(annotations); err != nil {
				d.errors = append(d.errors, Diagnostic{File: source, Message: "cannot remove the origin annotation: " + err.Error()})
				continue
			}
		}
		text, err := r.RNode.String()
		if err != nil {
			d.errors = append(d.errors, Diagnostic{File: source, Message: fmt.Sprintf("kustomization %s: cannot encode %s: %v", dir, r.CurId(), err)})
			continue
		}
		d.addRendered(source, template, text, "kustomize", dir)
	}
	return d
}

// originFS is the disk file system with one change: the root
// kustomization requests origin annotations, and a root Component is read
// as a Kustomization so that it can be built on its own.
type originFS struct {
	filesys.FileSystem
	root string
}

func (f originFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || filepath.Dir(path) != f.root || !isKustomizationName(filepath.Base(path)) {
		return data, err
	}
	return withOriginAnnotations(data), nil
}

func isKustomizationName(name string) bool {
	for _, n := range kustomizationNames {
		if n == name {
			return true
		}
	}
	return false
}

// withOriginAnnotations adds "originAnnotations" to the buildMetadata of a
// kustomization, and turns a Component into a Kustomization. It returns
// data unchanged when it cannot parse it, so that kustomize reports the
// error.
func withOriginAnnotations(data []byte) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	root := doc.Content[0]
	var meta *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		switch {
		case key == "buildMetadata" && val.Kind == yaml.SequenceNode:
			meta = val
		case key == "kind" && val.Value == "Component":
			val.Value = "Kustomization"
		case key == "apiVersion" && strings.HasPrefix(val.Value, "kustomize.config.k8s.io/"):
			val.Value = "kustomize.config.k8s.io/v1beta1"
		}
	}
	if meta == nil {
		meta = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"}, meta)
	}
	for _, item := range meta.Content {
		if item.Value == "originAnnotations" {
			return data
		}
	}
	meta.Content = append(meta.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"})
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}

// Keys of a kustomization whose values name files or folders that
// kustomize reads. Entries of the generators may be "key=path".
var (
	kustomizePathLists = []string{
		"resources", "bases", "components", "crds", "configurations", "generators",
		"transformers", "validators", "patchesStrategicMerge",
	}
	kustomizePathObjects = []string{"patches", "patchesJson6902", "replacements"}
	kustomizeGenerators  = []string{"configMapGenerator", "secretGenerator"}
)

// remoteUser matches the user part of an SCP-style git address such as
// "git@github.com:org/repo", the form kustomize reads as remote.
var remoteUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isRemoteReference reports whether kustomize would fetch a reference
// over the network: a URL, an SCP-style git address, or a GitHub path.
// These are the forms kustomize's git address parser accepts.
func isRemoteReference(ref string) bool {
	lower := strings.ToLower(strings.TrimSpace(ref))
	lower = strings.TrimPrefix(lower, "git::")
	return strings.Contains(lower, "://") ||
		remoteUser.MatchString(lower) ||
		strings.HasPrefix(lower, "github.com/") || strings.HasPrefix(lower, "github.com:")
}

// checkLocal walks the kustomization in dir and the local folders it
// refers to, and returns an error for the first remote reference. When
// refs is not nil, it also records each local folder referred to.
func checkLocal(dir string, seen map[string]bool, refs map[string]bool) *Diagnostic {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	file := kustomizationFile(dir)
	if file == "" {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return &Diagnostic{File: file, Message: "cannot read: " + pathErrorText(err)}
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil // kustomize reports the syntax error itself
	}
	for _, ref := range kustomizationReferences(doc.Content[0]) {
		if isRemoteReference(ref.Value) {
			return &Diagnostic{
				File: file, Line: ref.Line, Column: ref.Column,
				Message: fmt.Sprintf("remote kustomize reference %q is not supported: scans run offline", ref.Value),
				Hint:    "download it and refer to the local copy",
			}
		}
		target := filepath.Join(dir, ref.Value)
		info, err := os.Stat(target)
		if errors.Is(err, fs.ErrNotExist) {
			return &Diagnostic{
				File: file, Line: ref.Line, Column: ref.Column,
				Message: fmt.Sprintf("the kustomization refers to %q, which does not exist", ref.Value),
				Hint:    "correct the path, or remove the entry",
			}
		}
		if err == nil && info.IsDir() {
			if refs != nil {
				if abs, err := filepath.Abs(target); err == nil {
					refs[abs] = true
				}
			}
			if diag := checkLocal(target, seen, refs); diag != nil {
				return diag
			}
		}
	}
	return nil
}

// kustomizationReferences returns the scalar nodes of a kustomization that
// name files or folders. Inline patches and configurations, which span
// several lines, are left out.
func kustomizationReferences(root *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	add := func(n *yaml.Node, stripKey bool) {
		if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" || strings.Contains(n.Value, "\n") {
			return
		}
		if stripKey {
			if _, after, ok := strings.Cut(n.Value, "="); ok {
				c := *n
				c.Value = after
				n = &c
			}
		}
		out = append(out, n)
	}
	field := func(m *yaml.Node, key string) *yaml.Node {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i+1]
			}
		}
		return nil
	}
	items := func(n *yaml.Node) []*yaml.Node {
		if n == nil || n.Kind != yaml.SequenceNode {
			return nil
		}
		return n.Content
	}
	for _, key := range kustomizePathLists {
		for _, item := range items(field(root, key)) {
			add(item, false)
		}
	}
	for _, key := range kustomizePathObjects {
		for _, item := range items(field(root, key)) {
			add(field(item, "path"), false)
		}
	}
	for _, key := range kustomizeGenerators {
		for _, gen := range items(field(root, key)) {
			for _, sub := range []string{"files", "envs"} {
				for _, item := range items(field(gen, sub)) {
					add(item, true)
				}
			}
			add(field(gen, "env"), false)
		}
	}
	add(field(field(root, "openapi"), "path"), false)
	return out
}

// dropReferencedKustomizations removes the kustomization jobs whose folder
// another kustomization job refers to as a base or component: that folder
// is scanned as part of the overlay that uses it, as it is deployed.
func dropReferencedKustomizations(jobs []job) []job {
	refs := map[string]bool{}
	count := 0
	for _, j := range jobs {
		if j.kind != jobKustomize {
			continue
		}
		count++
		// A remote reference is reported when the job runs.
		_ = checkLocal(j.path, map[string]bool{}, refs)
	}
	if count < 2 || len(refs) == 0 {
		return jobs
	}
	out := jobs[:0:0]
	for _, j := range jobs {
		if j.kind == jobKustomize {
			if abs, err := filepath.Abs(j.path); err == nil && refs[abs] {
				continue
			}
		}
		out = append(out, j)
	}
	return out
}
