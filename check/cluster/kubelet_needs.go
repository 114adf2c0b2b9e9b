package cluster

import (
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/node" // registers the kubelet checks extended below
	"github.com/kubethreat/kubethreat/source/cluster"
)

// A cluster scan reads each kubelet's configuration through the API
// server's node proxy. When the scanning identity may not use it, the
// cluster reader marks cluster.KubeletConfigResource unreadable, and the
// kubelet checks must then be reported not evaluated instead of finding
// nothing to check. Those checks live in package node and also read
// kubelet configuration files, where the resource is never unreadable, so
// the dependency is added here, where cluster scans are defined.
func init() {
	for _, c := range check.All() {
		if strings.HasPrefix(c.ID, "node-kubelet-") && !slices.Contains(c.Needs, cluster.KubeletConfigResource) {
			c.Needs = append(slices.Clip(c.Needs), cluster.KubeletConfigResource)
		}
	}
}
