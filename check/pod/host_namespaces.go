package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// hostNamespaceFail reports the pod spec field, such as hostPID, when it is
// true.
func hostNamespaceFail(o *source.Object, ps check.PodSpec, t *podcheck.Tally, field, effect string) {
	v := ps.Spec.Field(field)
	if !v.IsTrue() {
		return
	}
	t.Fail(v, field+": true",
		"%s sets %s: true, which %s; remove it or set it to false",
		o.Ref, field, effect)
}
