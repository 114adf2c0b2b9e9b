package cli

import (
	"strings"
)

// checkFormat returns a usage error unless format is one of allowed.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageErrorf("unknown output format %q; use one of %s", format, strings.Join(allowed, ", "))
}
