package secrets

import (
	"regexp"
	"strconv"
	"unicode/utf8"
)

// pemPrivateKey matches the header line of a PEM-encoded private key, such
// as "-----BEGIN RSA PRIVATE KEY-----" or the PGP armor header. It also
// accepts three or four dashes, as found in keys mangled by copying.
var pemPrivateKey = regexp.MustCompile(`-{3,5}BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-{3,5}`)

// Redact shortens a secret for evidence and messages. It keeps at most the
// first four characters, and fewer for short values so that at least two
// thirds of the value stay hidden, then appends "…" and the length, as in
// "AKIA…(20 chars)". For a PEM private key it keeps only the header line.
func Redact(secret string) string {
	n := utf8.RuneCountInString(secret)
	if header := pemPrivateKey.FindString(secret); header != "" {
		return header + "…(" + strconv.Itoa(n) + " chars)"
	}
	shown := min(4, n/3)
	return string([]rune(secret)[:shown]) + "…(" + strconv.Itoa(n) + " chars)"
}
