package secrets

import (
	"regexp"
	"strings"
)

// assignment is a key and value set on one line of an embedded
// configuration file.
type assignment struct {
	Key   string
	Value string
	Line  int // 1-based line within the text
}

var (
	// key: value, key=value, key = "value" and export KEY=value, as written
	// in YAML, properties, INI, TOML and shell files.
	lineAssignment = regexp.MustCompile(`^\s*(?:-\s+)?(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?::\s|=|:$)\s*(.*)$`)
	// "key": "value" pairs, several per line in compact JSON.
	jsonAssignment = regexp.MustCompile(`"([A-Za-z_][A-Za-z0-9_.\-]*)"\s*:\s*"((?:[^"\\]|\\.)*)"`)
	// <key>value</key> elements of XML files.
	xmlAssignment = regexp.MustCompile(`<([A-Za-z_][A-Za-z0-9_.\-]*)>([^<]*)</([A-Za-z_][A-Za-z0-9_.\-]*)>`)
)

// assignments returns the key and value pairs written in a configuration
// file, line by line. It understands YAML, properties, INI, TOML, shell,
// JSON and simple XML, and splits connection strings such as
// "Server=db;User Id=app;Password=..." at semicolons.
func assignments(text string) []assignment {
	var out []assignment
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		for _, m := range jsonAssignment.FindAllStringSubmatch(line, -1) {
			out = append(out, assignment{Key: m[1], Value: m[2], Line: n})
		}
		for _, m := range xmlAssignment.FindAllStringSubmatch(line, -1) {
			if m[1] == m[3] {
				out = append(out, assignment{Key: m[1], Value: m[2], Line: n})
			}
		}
		for _, part := range strings.Split(line, ";") {
			if m := lineAssignment.FindStringSubmatch(part); m != nil {
				out = append(out, assignment{Key: m[1], Value: cleanValue(m[2]), Line: n})
			}
		}
	}
	return out
}

// cleanValue removes the quoting, trailing commas and trailing comments
// around a value written in a configuration file.
func cleanValue(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(v, ",")
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
			return v[1 : end+1]
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// foundInText is a credential found in a multi-line value.
type foundInText struct {
	hit
	Key  string // the key it was assigned to, if any
	Line int    // its line within the text, or 0 when it was found by shape
}

// scanText returns the credentials in a ConfigMap value stored under key.
// It looks for credentials of a recognized shape anywhere in the value and
// for values of credential-named keys in embedded configuration files. Only
// when both find nothing does it take the whole value, if the key name marks
// it as a credential. Each secret is returned once.
func scanText(key, text string) []foundInText {
	var out []foundInText
	seen := map[string]bool{}
	add := func(f foundInText) {
		if !coveredBy(seen, f.Secret) {
			seen[f.Secret] = true
			out = append(out, f)
		}
	}

	for _, h := range findShapes(text) {
		add(foundInText{hit: h})
	}
	for _, a := range assignments(text) {
		if h, ok := byName(a.Key, a.Value); ok {
			add(foundInText{hit: h, Key: a.Key, Line: a.Line})
		}
	}
	if len(out) == 0 {
		if h, ok := byName(key, text); ok {
			add(foundInText{hit: h})
		}
	}
	return out
}

// coveredBy reports whether a secret is part of one already found, such as
// a line of a private key or the password of a URL.
func coveredBy(seen map[string]bool, secret string) bool {
	for s := range seen {
		if strings.Contains(s, secret) || strings.Contains(secret, s) {
			return true
		}
	}
	return false
}
