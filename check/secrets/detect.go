package secrets

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// hit is a credential found in a value.
type hit struct {
	Kind   string // the kind of credential, such as "an AWS access key ID"
	Secret string // the credential text, only ever shown through Redact
}

// shape is a detector that recognizes a credential by its format alone,
// whatever the key it is stored under.
type shape struct {
	Kind    string
	Pattern *regexp.Regexp
	Group   int // the submatch that holds the secret; 0 for the whole match
	// Needles are strings of which every match contains at least one, in
	// lower case when Fold is set: a value without any of them is not
	// searched, which spares most values the regular expression.
	Needles []string
	Fold    bool
}

// shapes are the credential formats recognized in any value. The formats
// are those their issuers document: AWS key IDs start with AKIA or ASIA,
// GitHub tokens with ghp_, gho_, ghu_, ghs_, ghr_ or github_pat_, and so on.
var shapes = []shape{
	{Kind: "a private key", Pattern: regexp.MustCompile(`-{3,5}BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-{3,5}[\s\S]*?(?:-{3,5}END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-{3,5}|$)`), Needles: []string{"PRIVATE KEY"}},
	{Kind: "an AWS access key ID", Pattern: regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`), Needles: []string{"AKIA", "ASIA"}},
	{Kind: "a GitHub token", Pattern: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,255})\b`), Needles: []string{"gh", "github_pat_"}},
	{Kind: "a GitLab token", Pattern: regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`), Needles: []string{"glpat-"}},
	{Kind: "a Slack token", Pattern: regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`), Needles: []string{"xox"}},
	{Kind: "a Google API key", Pattern: regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`), Needles: []string{"AIza"}},
	{Kind: "a Stripe secret key", Pattern: regexp.MustCompile(`\b[rs]k_live_[A-Za-z0-9]{20,}`), Needles: []string{"k_live_"}},
	{Kind: "a JSON Web Token", Pattern: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`), Needles: []string{"eyJ"}},
	{Kind: "an Azure storage account key", Pattern: regexp.MustCompile(`(?i)AccountKey=([A-Za-z0-9+/]{40,}={0,2})`), Group: 1, Needles: []string{"accountkey="}, Fold: true},
	{Kind: "an HTTP bearer token", Pattern: regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*)`), Group: 1, Needles: []string{"bearer"}, Fold: true},
	{Kind: "a password in a URL", Pattern: regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@`), Group: 1, Needles: []string{"://"}},
}

// findShapes returns every credential in a value that a shape recognizes,
// skipping URL passwords that are placeholders such as ${DB_PASSWORD}.
func findShapes(value string) []hit {
	var out []hit
	lower := ""
	for _, s := range shapes {
		text := value
		if s.Fold {
			if lower == "" {
				lower = strings.ToLower(value)
			}
			text = lower
		}
		if !slices.ContainsFunc(s.Needles, func(n string) bool { return strings.Contains(text, n) }) {
			continue
		}
		for _, m := range s.Pattern.FindAllStringSubmatch(value, -1) {
			secret := m[s.Group]
			if s.Group > 0 && placeholder(secret) {
				continue
			}
			out = append(out, hit{Kind: s.Kind, Secret: secret})
		}
	}
	return out
}

// secretWords are the last words of a key name that mark its value as a
// credential, as in DB_PASSWORD, githubToken or client-secret.
var secretWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PASSPHRASE": true,
	"SECRET": true, "TOKEN": true, "CREDENTIAL": true, "CREDENTIALS": true,
	"APIKEY": true, "AUTH": true,
}

// keyQualifiers are the words that, before KEY, make the key name a
// credential, as in API_KEY, AWS_SECRET_ACCESS_KEY or encryptionKey.
var keyQualifiers = map[string]bool{
	"API": true, "ACCESS": true, "PRIVATE": true, "SECRET": true,
	"ENCRYPTION": true, "SIGNING": true, "MASTER": true, "ACCOUNT": true,
	"STORAGE": true, "CLIENT": true, "HMAC": true, "AES": true,
	"SESSION": true, "SHARED": true, "AUTH": true, "LICENSE": true,
}

// secretKeyName reports whether a key name says that its value is a
// credential. Only the last words count, so that PASSWORD_FILE,
// TOKEN_TTL and SECRET_NAME, whose values are a path, a duration and a
// name, are not credentials. PWD counts only after another word, because
// PWD alone is the shell's working folder.
func secretKeyName(key string) bool {
	words := splitWords(key)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	var prev string
	if len(words) > 1 {
		prev = words[len(words)-2]
	}
	switch {
	case secretWords[last]:
		return true
	case last == "PWD":
		return prev != ""
	case last == "KEY":
		return keyQualifiers[prev]
	case last == "BASE":
		// Rails' SECRET_KEY_BASE.
		return prev == "KEY" && len(words) > 2 && words[len(words)-3] == "SECRET"
	}
	return false
}

// splitWords splits a key name into upper-case words at punctuation and at
// lower-to-upper case changes: "dbPassword" and "DB_PASSWORD" both give
// DB, PASSWORD.
func splitWords(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range key {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}

// referencePattern matches values that refer to a secret kept elsewhere:
// shell, Kubernetes, Helm, Spring and similar variable references.
var referencePattern = regexp.MustCompile(`\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|%\{[^}]*\}|^\$[A-Za-z_][A-Za-z0-9_]*$|^<[^<>]*>$`)

// placeholder reports whether a value cannot be a credential: empty,
// booleans and null words, variable references, masks such as "****",
// file paths, and plain URLs.
func placeholder(value string) bool {
	v := strings.TrimSpace(value)
	if len(v) < 3 {
		return true
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "null", "nil", "none", "undefined", "n/a":
		return true
	}
	if referencePattern.MatchString(v) || masked(v) {
		return true
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "~/") {
		return !strings.ContainsAny(v, " \t")
	}
	if strings.Contains(v, "://") && !strings.Contains(v, "@") {
		return true
	}
	return shortNumber(v)
}

// masked reports whether a value repeats one masking character, as in
// "********" or "xxxxxx".
func masked(v string) bool {
	first := rune(v[0])
	if !strings.ContainsRune("*xX.#-_", first) {
		return false
	}
	for _, r := range v {
		if r != first {
			return false
		}
	}
	return true
}

// shortNumber reports whether a value is a number of fewer than six
// digits, such as a port, a count or a timeout.
func shortNumber(v string) bool {
	if len(v) >= 6 {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// detect returns the credentials in the value of a key: those of a
// recognized shape, or else the value itself when the key name marks it as
// a credential.
func detect(key, value string) []hit {
	if hits := findShapes(value); len(hits) > 0 {
		return hits
	}
	if h, ok := byName(key, value); ok {
		return []hit{h}
	}
	return nil
}

// byName returns the value as a credential when the key name marks it as
// one and the value is not a placeholder.
func byName(key, value string) (hit, bool) {
	if !secretKeyName(key) || placeholder(value) {
		return hit{}, false
	}
	v := strings.TrimSpace(value)
	words := splitWords(key)
	if words[len(words)-1] == "AUTH" && len(v) < 8 {
		// AUTH also names switches and modes, such as AUTH: basic.
		return hit{}, false
	}
	return hit{Kind: "a literal " + credentialNoun(words), Secret: v}, true
}

// credentialNoun names what the words of a key name say its value is.
func credentialNoun(words []string) string {
	switch last := words[len(words)-1]; last {
	case "PASSWORD", "PASSWD", "PASS", "PWD", "PASSPHRASE":
		return "password"
	case "TOKEN":
		return "token"
	case "KEY", "APIKEY", "BASE":
		return "key"
	}
	return "secret"
}
