package cli

import (
	"io"

	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report/stix"
)

// writeSTIXBundle writes the matrix as a STIX 2.1 bundle. It has the
// signature of the export command's writers, so "export stix" needs only
// the entry "stix": writeSTIXBundle in that command's table. Until then
// "coverage --stix FILE" writes the bundle.
func writeSTIXBundle(w io.Writer, m *matrix.Matrix) error { return stix.Write(w, m) }
