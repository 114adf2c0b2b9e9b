package cli

import (
	"strings"
)

// checkFormat puts *format in lower case, as every output format is named,
// and returns a usage error unless it is one of allowed.
func checkFormat(format *string, allowed ...string) error {
	*format = strings.ToLower(strings.TrimSpace(*format))
	for _, a := range allowed {
		if *format == a {
			return nil
		}
	}
	return usageErrorf("unknown output format %q; use one of %s", *format, strings.Join(allowed, ", "))
}
