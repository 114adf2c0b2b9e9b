// Package all registers every built-in check. Import it for its side
// effect.
package all

import (
	_ "github.com/kubethreat/kubethreat/check/admission"
	_ "github.com/kubethreat/kubethreat/check/cluster"
	_ "github.com/kubethreat/kubethreat/check/exposure"
	_ "github.com/kubethreat/kubethreat/check/hostpath"
	_ "github.com/kubethreat/kubethreat/check/image"
	_ "github.com/kubethreat/kubethreat/check/network"
	_ "github.com/kubethreat/kubethreat/check/node"
	_ "github.com/kubethreat/kubethreat/check/pod"
	_ "github.com/kubethreat/kubethreat/check/rbac"
	_ "github.com/kubethreat/kubethreat/check/secrets"
	_ "github.com/kubethreat/kubethreat/check/workload"
)
