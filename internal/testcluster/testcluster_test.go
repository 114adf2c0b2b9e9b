package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// recordingTB records Skip and Fatal calls instead of stopping the test, so
// that the tests can check how Config reacts to the environment.
type recordingTB struct {
	testing.TB
	skipped string
	failed  string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skip(args ...any)                  { r.skipped = fmt.Sprint(args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestConfigEnvironment(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.kubeconfig")

	tests := []struct {
		name        string
		env         map[string]string
		wantSkip    bool
		wantFailure string
	}{
		{
			name:     "all unset skips",
			env:      map[string]string{},
			wantSkip: true,
		},
		{
			name:        "partial environment fails",
			env:         map[string]string{EnvKubeconfig: missing},
			wantFailure: EnvRestrictedKubeconfig + " is not set",
		},
		{
			name: "missing kubeconfig fails",
			env: map[string]string{
				EnvKubeconfig:           missing,
				EnvRestrictedKubeconfig: missing,
				EnvAuditLog:             filepath.Join(dir, "audit.log"),
			},
			wantFailure: "scripts/testcluster.sh status",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{EnvKubeconfig, EnvRestrictedKubeconfig, EnvAuditLog} {
				t.Setenv(name, tt.env[name])
			}
			recorder := &recordingTB{TB: t}

			admin, restricted, _ := Config(recorder)

			if tt.wantSkip && recorder.skipped != SkipMessage {
				t.Errorf("Config skipped with %q, want %q", recorder.skipped, SkipMessage)
			}
			if !tt.wantSkip && recorder.skipped != "" {
				t.Errorf("Config skipped with %q, want no skip", recorder.skipped)
			}
			if !strings.Contains(recorder.failed, tt.wantFailure) {
				t.Errorf("Config failed with %q, want a message containing %q", recorder.failed, tt.wantFailure)
			}
			if tt.wantFailure == "" && recorder.failed != "" {
				t.Errorf("Config failed with %q, want no failure", recorder.failed)
			}
			if admin != nil || restricted != nil {
				t.Errorf("Config returned configurations %v and %v, want nil", admin, restricted)
			}
		})
	}
}

func TestReadAuditLogSkipsPartialLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	content := `{"stage":"ResponseComplete","verb":"list","user":{"username":"kt-restricted"},"objectRef":{"resource":"secrets"},"responseStatus":{"code":403}}
{"stage":"ResponseComplete","verb":"get","user":{"username":"kt-adm`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	events, err := ReadAuditLog(path)

	if err != nil {
		t.Fatalf("ReadAuditLog: %v", err)
	}
	if len(events) != 1 {
		t.Fatalf("ReadAuditLog returned %d events, want 1: %+v", len(events), events)
	}
	if got := events[0].User.Username; got != RestrictedUser {
		t.Errorf("user name = %q, want %q", got, RestrictedUser)
	}
	if events[0].ResponseStatus == nil || events[0].ResponseStatus.Code != 403 {
		t.Errorf("response status = %+v, want code 403", events[0].ResponseStatus)
	}
}

func TestReadAuditLogRejectsInvalidLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err := ReadAuditLog(path)

	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("ReadAuditLog error = %v, want an error naming line 1", err)
	}
}

// TestClusterSmoke checks the properties of the test API server that other
// integration tests rely on.
func TestClusterSmoke(t *testing.T) {
	adminConfig, restrictedConfig, auditLog := Config(t)
	ctx := t.Context()
	admin := newClientset(t, adminConfig)

	t.Run("server version", func(t *testing.T) {
		want := pinnedKubernetesVersion(t)
		info, err := admin.Discovery().ServerVersion()
		if err != nil {
			t.Fatalf("getting the server version: %v", err)
		}
		if info.GitVersion != want {
			t.Errorf("server version = %q, want %q from tools/testcluster/go.mod", info.GitVersion, want)
		}
	})

	namespace := createNamespace(ctx, t, admin)

	t.Run("privileged pod allowed", func(t *testing.T) {
		pod := privilegedPod()
		created, err := admin.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("creating a privileged pod in %s: %v", namespace, err)
		}
		securityContext := created.Spec.Containers[0].SecurityContext
		if securityContext == nil || securityContext.Privileged == nil || !*securityContext.Privileged {
			t.Errorf("stored pod has security context %+v, want privileged: true", securityContext)
		}
	})

	// The user agent marks this test's requests in the audit log.
	userAgent := "kubethreat-testcluster-smoke/" + namespace
	restrictedConfig = rest.CopyConfig(restrictedConfig)
	restrictedConfig.UserAgent = userAgent
	restricted := newClientset(t, restrictedConfig)

	t.Run("restricted user authenticated", func(t *testing.T) {
		review, err := restricted.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("creating a SelfSubjectReview as %s: %v", RestrictedUser, err)
		}
		if got := review.Status.UserInfo.Username; got != RestrictedUser {
			t.Errorf("restricted kubeconfig authenticates as %q, want %q", got, RestrictedUser)
		}
	})

	forbiddenLists := []struct {
		name      string
		namespace string
	}{
		{name: "secrets in namespace", namespace: namespace},
		{name: "secrets in all namespaces", namespace: metav1.NamespaceAll},
	}
	for _, tt := range forbiddenLists {
		t.Run("restricted forbidden "+tt.name, func(t *testing.T) {
			_, err := restricted.CoreV1().Secrets(tt.namespace).List(ctx, metav1.ListOptions{})
			if !apierrors.IsForbidden(err) {
				t.Errorf("listing secrets in %q as %s returned error %v, want Forbidden", tt.namespace, RestrictedUser, err)
			}
		})
	}

	t.Run("audit log records forbidden list", func(t *testing.T) {
		event := waitForAuditEvent(t, auditLog, func(e AuditEvent) bool {
			return e.UserAgent == userAgent && e.Verb == "list" &&
				e.ObjectRef != nil && e.ObjectRef.Resource == "secrets" && e.ObjectRef.Namespace == namespace
		})
		if event.User.Username != RestrictedUser {
			t.Errorf("audit event user = %q, want %q", event.User.Username, RestrictedUser)
		}
		if event.ResponseStatus == nil || event.ResponseStatus.Code != 403 {
			t.Errorf("audit event response status = %+v, want code 403", event.ResponseStatus)
		}
	})
}

func newClientset(t *testing.T, config *rest.Config) *kubernetes.Clientset {
	t.Helper()
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		t.Fatalf("creating a client for %s: %v", config.Host, err)
	}
	return clientset
}

// createNamespace creates a namespace with a unique name. The test cluster
// has no namespace controller, so the namespace deleted at cleanup stays
// Terminating until the cluster stops.
func createNamespace(ctx context.Context, t *testing.T, clientset *kubernetes.Clientset) string {
	t.Helper()
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kt-smoke-"}}
	created, err := clientset.CoreV1().Namespaces().Create(ctx, namespace, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	t.Cleanup(func() {
		err := clientset.CoreV1().Namespaces().Delete(context.Background(), created.Name, metav1.DeleteOptions{})
		if err != nil {
			t.Errorf("deleting namespace %s: %v", created.Name, err)
		}
	})
	return created.Name
}

func privilegedPod() *corev1.Pod {
	privileged := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "privileged"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:            "main",
				Image:           "registry.k8s.io/pause:3.10",
				SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
			}},
		},
	}
}

// waitForAuditEvent reads the audit log until an event matches, because the
// API server may write the event just after the client got the response.
func waitForAuditEvent(t *testing.T, path string, match func(AuditEvent) bool) AuditEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events, err := ReadAuditLog(path)
		if err != nil {
			t.Fatalf("reading the audit log: %v", err)
		}
		for _, event := range events {
			if match(event) {
				return event
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no matching event among %d events in %s after 10 s", len(events), path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pinnedKubernetesVersion returns the k8s.io/kubernetes version that
// tools/testcluster/go.mod requires, which is the version the script builds.
func pinnedKubernetesVersion(t *testing.T) string {
	t.Helper()
	root := repositoryRoot(t)
	path := filepath.Join(root, "tools", "testcluster", "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the test cluster module: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "k8s.io/kubernetes" && strings.HasPrefix(fields[1], "v") {
			return fields[1]
		}
	}
	t.Fatalf("%s does not require k8s.io/kubernetes", path)
	return ""
}

// repositoryRoot walks up from the package directory to the directory that
// contains the root go.mod.
func repositoryRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("found no go.mod above the package directory")
		}
		dir = parent
	}
}
