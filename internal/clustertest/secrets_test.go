package clustertest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubethreat/kubethreat/internal/testcluster"
	"github.com/kubethreat/kubethreat/source/cluster"
)

// exchange is one recorded request and its response.
type exchange struct {
	method, path, accept string
	status               int
	body                 []byte
}

// recorder is an http.RoundTripper that records every exchange.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if readErr != nil {
		return nil, readErr
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, exchange{method: req.Method, path: req.URL.Path, accept: req.Header.Get("Accept"), status: resp.StatusCode, body: body})
	return resp, nil
}

const secretValue = "kt-secret-value-7f3c9a"

func TestScanNeverReadsSecretValues(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	ns := e.namespace(t, nil)
	secrets := e.admin.CoreV1().Secrets(ns)
	if _, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		StringData: map[string]string{"password": secretValue},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// kubectl apply keeps a copy of the object, values included, in an
	// annotation that the API server returns with the metadata.
	applied := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"applied"},"stringData":{"token":"kt-applied-value-55e1"}}`
	if _, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "applied", Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": applied}},
		StringData: map[string]string{"token": "kt-applied-value-55e1"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	rec := &recorder{}
	agent := userAgent(t)
	opts := cluster.Options{
		AllNamespaces: true,
		UserAgent:     agent,
		WrapTransport: func(next http.RoundTripper) http.RoundTripper { rec.next = next; return rec },
	}
	res := read(t, e.adminCfg, opts)

	t.Run("inventory", func(t *testing.T) {
		found := 0
		for _, o := range res.Objects {
			if o.Kind != "Secret" || o.Namespace != ns {
				continue
			}
			found++
			if keys := topLevelKeys(o.Doc); keys != "apiVersion kind metadata" {
				t.Errorf("%s has fields %q, want only apiVersion, kind and metadata", o.Ref, keys)
			}
			if _, ok := o.Annotations()["kubectl.kubernetes.io/last-applied-configuration"]; ok {
				t.Errorf("%s keeps the last-applied-configuration annotation", o.Ref)
			}
		}
		if found != 2 {
			t.Errorf("found %d Secrets of namespace %s, want 2", found, ns)
		}
	})

	t.Run("requests", func(t *testing.T) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		secretRequests := 0
		for _, x := range rec.log {
			if !strings.Contains(x.path, "/secrets") {
				continue
			}
			secretRequests++
			if x.method != http.MethodGet || !strings.HasSuffix(x.path, "/secrets") {
				t.Errorf("%s %s: only lists of secrets are expected", x.method, x.path)
			}
			if x.accept != "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" {
				t.Errorf("%s %s sent Accept %q, want the PartialObjectMetadataList media type alone", x.method, x.path, x.accept)
			}
			if x.status != http.StatusOK {
				t.Errorf("%s %s: status %d", x.method, x.path, x.status)
			}
			if bytes.Contains(x.body, []byte(secretValue)) || bytes.Contains(x.body, []byte(`"data"`)) {
				t.Errorf("%s %s: the response carries secret data", x.method, x.path)
			}
			if !bytes.Contains(x.body, []byte(`"kind":"PartialObjectMetadataList"`)) {
				t.Errorf("%s %s: the response is not a PartialObjectMetadataList", x.method, x.path)
			}
		}
		if secretRequests == 0 {
			t.Error("the scan sent no request for secrets")
		}
	})

	t.Run("audit log", func(t *testing.T) {
		events := auditEvents(t, e.auditLog, agent)
		lists := 0
		for _, ev := range events {
			if ev.ObjectRef == nil || ev.ObjectRef.Resource != "secrets" {
				continue
			}
			if ev.Verb != "list" {
				t.Errorf("audit event %s: verb %q on secrets (%s), want only list", ev.AuditID, ev.Verb, ev.RequestURI)
			}
			lists++
		}
		if lists == 0 {
			t.Errorf("the audit log has no list of secrets by user agent %s", agent)
		}
		for _, ev := range events {
			switch ev.Verb {
			case "get", "list", "create":
			default:
				t.Errorf("audit event %s: verb %q (%s); a scan only reads", ev.AuditID, ev.Verb, ev.RequestURI)
			}
			if ev.Verb == "create" && (ev.ObjectRef == nil || ev.ObjectRef.Resource != "selfsubjectaccessreviews") {
				t.Errorf("audit event %s: create %s; the only create a scan sends is a SelfSubjectAccessReview", ev.AuditID, ev.RequestURI)
			}
		}
	})
}

// auditEvents returns the audit events of a user agent. The API server
// may write an event just after the client got its response, so the log is
// read again for a few seconds until a secrets list shows up.
func auditEvents(t *testing.T, path, agent string) []testcluster.AuditEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, err := testcluster.ReadAuditLog(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []testcluster.AuditEvent
		sawSecrets := false
		for _, ev := range all {
			if ev.UserAgent != agent {
				continue
			}
			out = append(out, ev)
			sawSecrets = sawSecrets || (ev.ObjectRef != nil && ev.ObjectRef.Resource == "secrets")
		}
		if sawSecrets || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// topLevelKeys lists the keys of a mapping node, separated by spaces.
func topLevelKeys(n *yaml.Node) string {
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return strings.Join(keys, " ")
}
