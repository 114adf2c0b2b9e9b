package cli

import (
	"io"

	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report/stix"
)

// writeSTIXBundle writes the matrix as a STIX 2.1 bundle for "export stix"
// and "coverage --stix FILE".
func writeSTIXBundle(w io.Writer, m *matrix.Matrix) error { return stix.Write(w, m) }
