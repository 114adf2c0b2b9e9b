package web

import (
	"bytes"
	"fmt"
	"io"

	"github.com/kubethreat/kubethreat/matrix"
)

// exports are the whole-knowledge-base downloads, by file extension.
var exports = []struct {
	ext         string
	contentType string
	write       func(io.Writer, *matrix.Matrix) error
}{
	{"json", jsonType, matrix.WriteJSON},
	{"yaml", "application/yaml; charset=utf-8", matrix.WriteYAML},
	{"csv", "text/csv; charset=utf-8", matrix.WriteCSV},
}

// prerenderExports prepares the downloads, each with a file name that
// carries the matrix version.
func (s *Site) prerenderExports() error {
	for _, e := range exports {
		var buf bytes.Buffer
		if err := e.write(&buf, s.m); err != nil {
			return fmt.Errorf("exporting %s: %w", e.ext, err)
		}
		rs := newResource(e.contentType, cacheRevalidate, buf.Bytes())
		rs.disposition = []string{fmt.Sprintf(`attachment; filename="kubethreat-matrix-%s.%s"`, s.m.Version, e.ext)}
		s.apiDocs[apiPrefix+"/export."+e.ext] = rs
	}
	return nil
}
