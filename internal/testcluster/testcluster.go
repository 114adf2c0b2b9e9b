// Package testcluster connects integration tests to the kube-apiserver that
// scripts/testcluster.sh starts on 127.0.0.1.
//
// The script writes .cache/testcluster/run/env, which exports the variables
// named by the Env constants. Tests call [Config], which skips the test when
// the variables are unset, so a plain `go test ./...` passes without a cluster.
//
// The test cluster runs only etcd and kube-apiserver: no controller manager,
// scheduler or kubelet. Pods stay Pending, deleted namespaces stay
// Terminating, and no default service account exists. Tests should therefore
// create namespaces with GenerateName instead of reusing fixed names.
package testcluster

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Environment variables that scripts/testcluster.sh exports in its env file.
const (
	// EnvKubeconfig is the path of a kubeconfig for user AdminUser.
	EnvKubeconfig = "KUBETHREAT_TEST_KUBECONFIG"
	// EnvRestrictedKubeconfig is the path of a kubeconfig for user RestrictedUser.
	EnvRestrictedKubeconfig = "KUBETHREAT_TEST_RESTRICTED_KUBECONFIG"
	// EnvAuditLog is the path of the API server's audit log.
	EnvAuditLog = "KUBETHREAT_TEST_AUDIT_LOG"
)

// User names in the token file of the test API server.
const (
	// AdminUser is in group system:masters, so RBAC allows its every request.
	AdminUser = "kt-admin"
	// RestrictedUser has no group beyond system:authenticated and no role
	// binding, so it can read only what default RBAC grants to everyone.
	RestrictedUser = "kt-restricted"
)

// SkipMessage is the reason that Config gives when the cluster is not set up.
const SkipMessage = "integration test: the test API server is not running; start it with scripts/testcluster.sh start"

// Config returns client configurations for the admin and restricted users of
// the test API server, and the path of its audit log. It skips the test when
// none of the Env variables is set, and fails it when only some are set or a
// kubeconfig cannot be loaded.
func Config(t testing.TB) (admin, restricted *rest.Config, auditLog string) {
	t.Helper()

	adminPath := os.Getenv(EnvKubeconfig)
	restrictedPath := os.Getenv(EnvRestrictedKubeconfig)
	auditLog = os.Getenv(EnvAuditLog)
	if adminPath == "" && restrictedPath == "" && auditLog == "" {
		t.Skip(SkipMessage)
		return nil, nil, ""
	}
	for _, v := range []struct{ name, value string }{
		{EnvKubeconfig, adminPath},
		{EnvRestrictedKubeconfig, restrictedPath},
		{EnvAuditLog, auditLog},
	} {
		if v.value == "" {
			t.Fatalf("%s is not set, but other test cluster variables are. Source .cache/testcluster/run/env again.", v.name)
			return nil, nil, ""
		}
	}

	admin, err := loadKubeconfig(adminPath)
	if err != nil {
		t.Fatalf("failed to load the admin kubeconfig named by %s: %v", EnvKubeconfig, err)
		return nil, nil, ""
	}
	restricted, err = loadKubeconfig(restrictedPath)
	if err != nil {
		t.Fatalf("failed to load the restricted kubeconfig named by %s: %v", EnvRestrictedKubeconfig, err)
		return nil, nil, ""
	}
	return admin, restricted, auditLog
}

func loadKubeconfig(path string) (*rest.Config, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w (check that the test cluster runs: scripts/testcluster.sh status)", err)
	}
	return clientcmd.BuildConfigFromFlags("", path)
}

// AuditEvent is the subset of an audit.k8s.io/v1 Event that tests need to
// prove which requests a client made.
type AuditEvent struct {
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	RequestURI string `json:"requestURI"`
	Verb       string `json:"verb"`
	UserAgent  string `json:"userAgent"`
	User       struct {
		Username string   `json:"username"`
		Groups   []string `json:"groups"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		APIGroup    string `json:"apiGroup"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// ReadAuditLog parses the audit log at path, one JSON event per line. The log
// also contains the API server's own requests (user system:apiserver), so
// filter by user name or by a user agent that the test sets.
//
// NOTE: the API server can write an event just after the client has received
// the response, so a test that looks for its own request should read the log
// again for a short while before it gives up.
func ReadAuditLog(path string) ([]AuditEvent, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()

	var events []AuditEvent
	reader := bufio.NewReader(file)
	for line := 1; ; line++ {
		data, err := reader.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A last line without a newline is an event that the API server
			// is still writing, so it is left for the next read.
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		var event AuditEvent
		if err := json.Unmarshal(data, &event); err != nil {
			return nil, fmt.Errorf("%s line %d: invalid audit event: %w", path, line, err)
		}
		events = append(events, event)
	}
	return events, nil
}
