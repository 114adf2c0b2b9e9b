package node

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// flag is one command-line flag of a control-plane binary.
type flag struct {
	Name     string       // without the leading dashes
	Value    string       // "" for a bare flag
	HasValue bool         // written as --name=value or --name value
	At       source.Value // the command or args item that holds the flag's name
	ValueAt  source.Value // the item that holds its value: At, or the next item in the split form
}

// boolValue returns the flag's boolean value: a bare flag is true.
func (f flag) boolValue() (value, ok bool) {
	if !f.HasValue {
		return true, true
	}
	b, err := strconv.ParseBool(f.Value)
	return b, err == nil
}

// flags are the parsed flags of one container, in order.
type flags []flag

// get returns the last occurrence of a flag, which is the one the binary
// uses.
func (fs flags) get(name string) (flag, bool) {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Name == name {
			return fs[i], true
		}
	}
	return flag{}, false
}

// listValue splits a comma-separated flag value such as
// "Node,RBAC" into its trimmed items.
func listValue(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// token is one word of a container's command line with the item it came
// from.
type token struct {
	Text string
	At   source.Value
}

// tokens returns the words of a container's command followed by its args.
// An item with spaces, as in `sh -c "kube-apiserver --a=b"`, is split into
// words that all point at that item.
func tokens(container source.Value) []token {
	var out []token
	for _, field := range []string{"command", "args"} {
		for _, item := range container.Field(field).Items() {
			s, ok := item.String()
			if !ok {
				continue
			}
			for _, word := range strings.Fields(s) {
				out = append(out, token{Text: word, At: item})
			}
		}
	}
	return out
}

// mentions reports whether the container's command or args contain the
// binary's name or hyperkube anywhere, which binaryFlags needs to find the
// binary among them.
func mentions(container source.Value, binary string) bool {
	for _, field := range []string{"command", "args"} {
		for _, item := range container.Field(field).Items() {
			if s, ok := item.String(); ok && (strings.Contains(s, binary) || strings.Contains(s, "hyperkube")) {
				return true
			}
		}
	}
	return false
}

// binaryFlags finds the control-plane binary in a container and returns
// its flags. binary is a name such as "kube-apiserver"; aliases are the
// hyperkube subcommand names for it. A container without a command counts
// when its image is the binary's image and its args are flags.
func binaryFlags(container source.Value, binary string, aliases ...string) (flags, bool) {
	if !mentions(container, binary) {
		// Most containers run neither the binary nor hyperkube: only the
		// image can still make them count, and their words need no split.
		if container.Field("command").Len() > 0 || !isImageOf(container.Field("image").Str(), binary) {
			return nil, false
		}
		return parseFlags(tokens(container)), true
	}
	toks := tokens(container)
	start := -1
	for i, t := range toks {
		base := path.Base(t.Text)
		if base == binary {
			start = i + 1
			break
		}
		if base == "hyperkube" && i+1 < len(toks) && (toks[i+1].Text == binary || slices.Contains(aliases, toks[i+1].Text)) {
			start = i + 2
			break
		}
	}
	if start < 0 {
		if container.Field("command").Len() > 0 || !isImageOf(container.Field("image").Str(), binary) {
			return nil, false
		}
		start = 0
	}
	return parseFlags(toks[start:]), true
}

// archSuffixes are the architecture suffixes of older control-plane image
// names, such as kube-apiserver-amd64.
var archSuffixes = []string{"", "-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"}

// isImageOf reports whether an image reference is the image of a binary,
// such as registry.k8s.io/kube-apiserver:v1.31.0 or
// gcr.io/etcd-development/etcd:v3.5.15.
func isImageOf(image, binary string) bool {
	repo := image
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	last := path.Base(repo)
	for _, suffix := range archSuffixes {
		if last == binary+suffix {
			return true
		}
	}
	return false
}

// boolFlags are the boolean flags the checks read. Like the binaries'
// flag parsers, a boolean flag never takes the next word as its value:
// "--anonymous-auth false" sets it to true and leaves "false" as an argument.
var boolFlags = map[string]bool{
	"anonymous-auth":        true,
	"client-cert-auth":      true,
	"auto-tls":              true,
	"peer-client-cert-auth": true,
	"peer-auto-tls":         true,
}

func parseFlags(toks []token) flags {
	var out flags
	for i := 0; i < len(toks); i++ {
		text := toks[i].Text
		if !strings.HasPrefix(text, "-") {
			continue
		}
		name := strings.TrimLeft(text, "-")
		f := flag{Name: name, At: toks[i].At, ValueAt: toks[i].At}
		if n, v, ok := strings.Cut(name, "="); ok {
			f.Name, f.Value, f.HasValue = n, v, true
		} else if !boolFlags[name] && i+1 < len(toks) && !strings.HasPrefix(toks[i+1].Text, "-") {
			f.Value, f.HasValue, f.ValueAt = toks[i+1].Text, true, toks[i+1].At
			i++
		}
		out = append(out, f)
	}
	return out
}

// binaryContainer is a container that runs a control-plane binary.
type binaryContainer struct {
	Container check.Container
	Flags     flags
}

// binaryContainers returns the containers of an object's pod specs that run
// the binary, such as the kube-apiserver of a static pod manifest.
func binaryContainers(o *source.Object, binary string, aliases ...string) []binaryContainer {
	var out []binaryContainer
	for _, spec := range check.PodSpecs(o) {
		for _, c := range spec.Containers() {
			if fs, ok := binaryFlags(c.Value, binary, aliases...); ok {
				out = append(out, binaryContainer{Container: c, Flags: fs})
			}
		}
	}
	return out
}

// commandLine returns the value to report a missing flag at: the
// container's command, or its args, or the container itself.
func commandLine(c check.Container) source.Value {
	for _, field := range []string{"command", "args"} {
		if v := c.Value.Field(field); v.Exists() {
			return v
		}
	}
	return c.Value
}
