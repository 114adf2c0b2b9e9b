package secrets_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	_ "github.com/kubethreat/kubethreat/check/secrets"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "secrets-", check.Config{})
}

// plantedSecrets are the credentials written into the fixtures. No finding
// may show any of them in full.
var plantedSecrets = []string{
	"Tr0ub4dor&3-horse",
	"AKIAKUBETHREATFIXTUR",
	"ghp_kubethreatFixtureToken00000000000000",
	"xoxb-000000000-kubethreat-fixture",
	"kt-fixture-api-key-6d2f9a",
	"kt-url-pass-41c7",
	"kt-props-pass-8842",
	"kt-yaml-secret-77aa",
	"kt-json-token-19bd",
	"kt-conn-pass-5e1",
	"kt-binary-secret-0c3d9f",
	"S3ViZXRocmVhdEZpeHR1cmVOb3RBUmVhbEtleUtpbmRPZkxvbmdUZXh0MDAwMDAw",
}

func TestFindingsNeverShowSecrets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "secrets-*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures found: %v", err)
	}
	ids := []string{"secrets-env-credentials", "secrets-configmap-credentials"}
	failed := 0
	for _, file := range files {
		inv := checktest.Load(t, file)
		for _, id := range ids {
			res := checktest.RunCheck(t, id, inv, check.Config{})
			for _, f := range res.Findings {
				if f.Status == check.Fail {
					failed++
				}
				for _, secret := range plantedSecrets {
					for field, text := range map[string]string{
						"message": f.Message, "evidence": f.Evidence, "field path": f.FieldPath,
						"reason": f.Reason, "remediation": f.Remediation,
					} {
						if strings.Contains(text, secret) {
							t.Errorf("%s: %s finding's %s shows secret %q: %s", filepath.Base(file), id, field, secret, text)
						}
					}
				}
			}
		}
	}
	if failed < len(plantedSecrets) {
		t.Errorf("got %d failures over the fixtures, want at least one per planted secret (%d)", failed, len(plantedSecrets))
	}
}

func TestCredentialFindings(t *testing.T) {
	tests := []struct {
		id, file string
		want     []string // messages, in order
	}{
		{"secrets-env-credentials", "secrets-env-credentials/fail-password-by-name.yaml", []string{
			`container "app" in Deployment "shop/api" sets environment variable DB_PASSWORD to a literal password (Tr0u…(17 chars)); move it to a Secret and use valueFrom.secretKeyRef`,
		}},
		{"secrets-env-credentials", "secrets-env-credentials/fail-token-shapes.yaml", []string{
			`init container "fetch" in CronJob "ops/sync" sets environment variable AWS_ACCESS_KEY_ID to an AWS access key ID (AKIA…(20 chars)); move it to a Secret and use valueFrom.secretKeyRef`,
			`container "sync" in CronJob "ops/sync" sets environment variable GH to a GitHub token (ghp_…(40 chars)); move it to a Secret and use valueFrom.secretKeyRef`,
			`container "sync" in CronJob "ops/sync" sets environment variable NOTIFY to a Slack token (xoxb…(33 chars)); move it to a Secret and use valueFrom.secretKeyRef`,
		}},
		{"secrets-env-credentials", "secrets-env-credentials/fail-camel-case-api-key.yaml", []string{
			`container "worker" in Pod "worker" sets environment variable stripeApiKey to a literal key (kt-f…(25 chars)); move it to a Secret and use valueFrom.secretKeyRef`,
			`container "worker" in Pod "worker" sets environment variable DATABASE_URL to a password in a URL (kt-u…(16 chars)); move it to a Secret and use valueFrom.secretKeyRef`,
		}},
		{"secrets-configmap-credentials", "secrets-configmap-credentials/fail-embedded-properties.yaml", []string{
			`ConfigMap "shop/settings" sets spring.datasource.password on line 3 of data key "application.properties" to a literal password (kt-p…(18 chars)); move it to a Secret and reference it from there`,
		}},
		{"secrets-configmap-credentials", "secrets-configmap-credentials/fail-embedded-yaml-json.yaml", []string{
			`ConfigMap "edge/gateway" sets clientSecret on line 3 of data key "config.yaml" to a literal secret (kt-y…(19 chars)); move it to a Secret and reference it from there`,
			`ConfigMap "edge/gateway" sets webhookToken on line 1 of data key "settings.json" to a literal token (kt-j…(18 chars)); move it to a Secret and reference it from there`,
			`ConfigMap "edge/gateway" sets Password on line 1 of data key "db.conn" to a literal password (kt-c…(16 chars)); move it to a Secret and reference it from there`,
		}},
		{"secrets-configmap-credentials", "secrets-configmap-credentials/fail-private-key-and-binary.yaml", []string{
			`ConfigMap "deploy-keys" holds a private key (-----BEGIN RSA PRIVATE KEY-----…(191 chars)) in data key "id_rsa"; move it to a Secret and reference it from there`,
			`ConfigMap "deploy-keys" sets aws_secret_access_key on line 1 of binaryData key "credentials" to a literal key (kt-b…(23 chars)); move it to a Secret and reference it from there`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, filepath.Join("testdata", tt.file)), check.Config{})
			var got []string
			for _, f := range res.Findings {
				if f.Status == check.Fail {
					got = append(got, f.Message)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d failures, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("failure %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestTokenAutomountFindings(t *testing.T) {
	tests := []struct {
		id, file string
		path     string
		message  string
	}{
		{
			"secrets-sa-token-automount", "secrets-sa-token-automount/fail-default-account.yaml", "spec",
			`Pod "shop/web" mounts the token of ServiceAccount "shop/default", because automountServiceAccountToken is not false; no RBAC binding for that account was found in the input; set automountServiceAccountToken: false in the pod spec or the ServiceAccount, and mount a projected token only into pods that call the API server`,
		},
		{
			"secrets-sa-token-automount", "secrets-sa-token-automount/fail-explicit-true-overrides-account.yaml", "spec.template.spec.automountServiceAccountToken",
			`Deployment "shop/api" mounts the token of ServiceAccount "shop/api", because automountServiceAccountToken is not false; no RBAC binding for that account was found in the input; set automountServiceAccountToken: false in the pod spec or the ServiceAccount, and mount a projected token only into pods that call the API server`,
		},
		{
			"secrets-sa-token-automount-rbac", "secrets-sa-token-automount-rbac/fail-role-binding.yaml", "spec.template.spec",
			`Deployment "shop/api" mounts the token of ServiceAccount "shop/api", which RoleBinding "shop/api-edit" grants permissions; set automountServiceAccountToken: false in the pod spec or the ServiceAccount, and mount a projected token only into pods that call the API server`,
		},
		{
			"secrets-sa-token-automount-rbac", "secrets-sa-token-automount-rbac/fail-user-subject.yaml", "spec.template.spec",
			`Job "ci/deploy" mounts the token of ServiceAccount "ci/deployer", which ClusterRoleBinding "deployer" grants permissions; set automountServiceAccountToken: false in the pod spec or the ServiceAccount, and mount a projected token only into pods that call the API server`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, filepath.Join("testdata", tt.file)), check.Config{})
			var got []check.Finding
			for _, f := range res.Findings {
				if f.Status == check.Fail {
					got = append(got, f)
				}
			}
			if len(got) != 1 {
				t.Fatalf("got %d failures, want 1: %+v", len(got), got)
			}
			if got[0].FieldPath != tt.path {
				t.Errorf("field path %q, want %q", got[0].FieldPath, tt.path)
			}
			if got[0].Message != tt.message {
				t.Errorf("message\n got %s\nwant %s", got[0].Message, tt.message)
			}
		})
	}
}
