package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// containerEval evaluates one container that runs a control-plane binary.
// It reports each problem it finds and returns true when it reported
// anything, failure or not evaluated.
type containerEval func(o *source.Object, c binaryContainer, r *check.Reporter) bool

// binaryObject returns the Object function of a check on every container
// that runs the binary. An object with no such container is skipped; one
// whose containers report nothing passes.
func binaryObject(binary string, aliases []string, eval containerEval) func(*check.Context, *source.Object, *check.Reporter) {
	return func(_ *check.Context, o *source.Object, r *check.Reporter) {
		containers := binaryContainers(o, binary, aliases...)
		if len(containers) == 0 {
			return
		}
		reported := false
		for _, c := range containers {
			if eval(o, c, r) {
				reported = true
			}
		}
		if !reported {
			r.Pass(o.Ref, o.Loc)
		}
	}
}

// apiserver is the binary name, and its hyperkube alias, of the API server.
var (
	apiserver        = "kube-apiserver"
	apiserverAliases = []string{"apiserver"}
)

// containerName describes a container for messages, such as
// `container "kube-apiserver" of Pod "kube-system/kube-apiserver-cp1"`.
func containerName(o *source.Object, c binaryContainer) string {
	return "container \"" + c.Container.Name + "\" of " + o.Ref.String()
}
