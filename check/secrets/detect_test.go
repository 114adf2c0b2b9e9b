package secrets

import (
	"slices"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AKIAIOSFODNN7EXAMPLE", "AKIA…(20 chars)"},
		{"hunter22", "hu…(8 chars)"},
		{"root", "r…(4 chars)"},
		{"ab", "…(2 chars)"},
		{"", "…(0 chars)"},
		{"päßwörter", "päß…(9 chars)"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----",
			"-----BEGIN OPENSSH PRIVATE KEY-----…(90 chars)"},
	}
	for _, tt := range tests {
		got := Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(tt.in) >= 3 && strings.Contains(got, tt.in) {
			t.Errorf("Redact(%q) shows the whole value", tt.in)
		}
	}
}

func TestSecretKeyName(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"DB_PASSWORD", true},
		{"dbPassword", true},
		{"db-password", true},
		{"MYSQL_ROOT_PASSWD", true},
		{"DB_PWD", true},
		{"PWD", false},
		{"PASSWORD_FILE", false},
		{"PASSWORD_MIN_LENGTH", false},
		{"BYPASS", false},
		{"GITHUB_TOKEN", true},
		{"TOKEN_TTL", false},
		{"CLIENT_SECRET", true},
		{"SECRET_NAME", false},
		{"SECRET_KEY_BASE", true},
		{"API_KEY", true},
		{"apiKey", true},
		{"APIKEY", true},
		{"AWS_SECRET_ACCESS_KEY", true},
		{"AWS_ACCESS_KEY_ID", false},
		{"CACHE_KEY", false},
		{"KEY", false},
		{"GOOGLE_APPLICATION_CREDENTIALS", true},
		{"BASIC_AUTH", true},
		{"AUTH_URL", false},
		{"spring.datasource.password", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := secretKeyName(tt.key); got != tt.want {
			t.Errorf("secretKeyName(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"", true},
		{"  ", true},
		{"true", true},
		{"None", true},
		{"${DB_PASSWORD}", true},
		{"$(UPSTREAM_TOKEN)", true},
		{"{{ .Values.password }}", true},
		{"$DB_PASS", true},
		{"<set-me>", true},
		{"********", true},
		{"xxxxxx", true},
		{"/run/secrets/db", true},
		{"https://vault.example.com/v1/secret", true},
		{"3600", true},
		{"hunter22", false},
		{"changeme", false},
		{"123456", false},
		{"/not a path", false},
		{"prefix-${VAR}", true},
	}
	for _, tt := range tests {
		if got := placeholder(tt.value); got != tt.want {
			t.Errorf("placeholder(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestFindShapes(t *testing.T) {
	tests := []struct {
		value  string
		kind   string // "" for no hit
		secret string
	}{
		{"AKIAIOSFODNN7EXAMPLE", "an AWS access key ID", "AKIAIOSFODNN7EXAMPLE"},
		{"key=ASIAIOSFODNN7EXAMPLE;", "an AWS access key ID", "ASIAIOSFODNN7EXAMPLE"},
		{"AKIAIOSFODNN7EXAMPL", "", ""},
		{"gho_" + strings.Repeat("a1", 18), "a GitHub token", "gho_" + strings.Repeat("a1", 18)},
		{"github_pat_" + strings.Repeat("B", 30), "a GitHub token", "github_pat_" + strings.Repeat("B", 30)},
		{"glpat-" + strings.Repeat("x", 20), "a GitLab token", "glpat-" + strings.Repeat("x", 20)},
		{"xoxp-1234567890-abc", "a Slack token", "xoxp-1234567890-abc"},
		{"AIza" + strings.Repeat("Q", 35), "a Google API key", "AIza" + strings.Repeat("Q", 35)},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl", "a JSON Web Token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"},
		{"DefaultEndpointsProtocol=https;AccountName=kt;AccountKey=" + strings.Repeat("Ab1+", 22) + "==;EndpointSuffix=core.windows.net",
			"an Azure storage account key", strings.Repeat("Ab1+", 22) + "=="},
		{"redis://:s3cr3t-pw@cache:6379/0", "", ""},
		{"Bearer abc123def456", "an HTTP bearer token", "abc123def456"},
		{"BEARER abc123def456", "an HTTP bearer token", "abc123def456"},
		{"ACCOUNTKEY=" + strings.Repeat("Ab1+", 11), "an Azure storage account key", strings.Repeat("Ab1+", 11)},
		{"sk_live_" + strings.Repeat("9z", 12), "a Stripe secret key", "sk_live_" + strings.Repeat("9z", 12)},
		{"bearer ${TOKEN}", "", ""},
		{"bearer token", "", ""},
		{"amqp://app:s3cr3t-pw@mq:5672/", "a password in a URL", "s3cr3t-pw"},
		{"postgres://app:${DB_PASSWORD}@db/app", "", ""},
		{"https://example.com/path?a=b", "", ""},
		{"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n", "a private key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----"},
		{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "", ""},
		{"---BEGIN OPENSSH PRIVATE KEY---\nb3Bl\n---END  OPENSSH PRIVATE KEY---", "a private key", "---BEGIN OPENSSH PRIVATE KEY---\nb3Bl\n---END  OPENSSH PRIVATE KEY---"},
	}
	for _, tt := range tests {
		// Every match must contain one of its shape's needles, or the
		// needles would hide it.
		for _, sh := range shapes {
			text := tt.value
			if sh.Fold {
				text = strings.ToLower(text)
			}
			if sh.Pattern.MatchString(tt.value) && !slices.ContainsFunc(sh.Needles, func(n string) bool { return strings.Contains(text, n) }) {
				t.Errorf("%s matches %q, which holds none of its needles %q", sh.Kind, tt.value, sh.Needles)
			}
		}
		hits := findShapes(tt.value)
		if tt.kind == "" {
			if len(hits) != 0 {
				t.Errorf("findShapes(%q) = %+v, want none", tt.value, hits)
			}
			continue
		}
		if len(hits) != 1 || hits[0].Kind != tt.kind || hits[0].Secret != tt.secret {
			t.Errorf("findShapes(%q) = %+v, want one %s %q", tt.value, hits, tt.kind, tt.secret)
		}
	}
}

func TestAssignments(t *testing.T) {
	text := strings.Join([]string{
		`db:`,
		`  password: "s3cr3t-one" # the old one`,
		`export API_TOKEN=s3cr3t-two`,
		`[client]`,
		`secret = 's3cr3t-three'`,
		`{"user": "app", "password": "s3cr3t-four"}`,
		`<password>s3cr3t-five</password>`,
		`Server=db;Password=s3cr3t-six;`,
		`  - token: s3cr3t-seven`,
	}, "\n")
	want := map[string]assignment{
		"s3cr3t-one":   {Key: "password", Line: 2},
		"s3cr3t-two":   {Key: "API_TOKEN", Line: 3},
		"s3cr3t-three": {Key: "secret", Line: 5},
		"s3cr3t-four":  {Key: "password", Line: 6},
		"s3cr3t-five":  {Key: "password", Line: 7},
		"s3cr3t-six":   {Key: "Password", Line: 8},
		"s3cr3t-seven": {Key: "token", Line: 9},
	}
	got := map[string]assignment{}
	for _, a := range assignments(text) {
		if strings.HasPrefix(a.Value, "s3cr3t-") && !strings.ContainsAny(a.Value, `"<;`) {
			got[a.Value] = assignment{Key: a.Key, Line: a.Line}
		}
	}
	for value, w := range want {
		if got[value] != w {
			t.Errorf("value %q: got %+v, want %+v", value, got[value], w)
		}
	}
}

func TestScanTextReportsSecretOnce(t *testing.T) {
	text := "url: postgres://app:s3cr3t-pw@db/app\npassword: s3cr3t-pw\n"
	found := scanText("config.yaml", text)
	if len(found) != 1 {
		t.Fatalf("got %d findings, want 1: %+v", len(found), found)
	}
	if found[0].Kind != "a password in a URL" {
		t.Errorf("kind %q, want a password in a URL", found[0].Kind)
	}
}
