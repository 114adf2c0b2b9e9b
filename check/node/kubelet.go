package node

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// Defaults of KubeletConfiguration v1beta1, from SetDefaults_KubeletConfiguration
// in kubernetes/kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go:
// authentication.anonymous.enabled is false, authorization.mode is Webhook,
// and readOnlyPort, staticPodURL and staticPodPath are left empty (disabled).
// The kubelet's command-line flags have other defaults (--anonymous-auth=true,
// --authorization-mode=AlwaysAllow, --read-only-port=10255) and override the
// file; they are not part of the input.
// NOTE: a kubelet started with those flags is reported by these checks as
// its configuration file says, which may be safer than what runs.

// isKubeletConfig reports whether an object is a kubelet configuration file.
func isKubeletConfig(o *source.Object) bool {
	return o.Kind == "KubeletConfiguration" && strings.HasPrefix(o.APIVersion, "kubelet.config.k8s.io/")
}

// kubeletObject returns the Object function of a check on kubelet
// configuration files. eval reports each problem and returns true when it
// reported one.
func kubeletObject(eval func(o *source.Object, r *check.Reporter) bool) func(*check.Context, *source.Object, *check.Reporter) {
	return func(_ *check.Context, o *source.Object, r *check.Reporter) {
		if !isKubeletConfig(o) {
			return
		}
		if !eval(o, r) {
			r.Pass(o.Ref, o.Loc)
		}
	}
}

// kubeletName names a kubelet configuration for messages; such files
// usually have no metadata.name, so the file name is used.
func kubeletName(o *source.Object) string {
	if o.Name != "" {
		return o.Ref.String()
	}
	if o.Loc.File != "" {
		return "KubeletConfiguration in " + o.Loc.File
	}
	return "KubeletConfiguration"
}
