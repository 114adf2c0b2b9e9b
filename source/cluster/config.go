package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubethreat/kubethreat/source"
)

// Defaults of Options.
const (
	DefaultWorkers  = 8
	DefaultPageSize = 500
	DefaultTimeout  = 5 * time.Minute
	// DefaultQPS and DefaultBurst bound the request rate. With client-go's
	// own defaults (5 and 10), a scan of a large cluster would wait on the
	// client rather than on the server. The API server's priority and
	// fairness still protects it from a burst.
	DefaultQPS   = 50
	DefaultBurst = 100
)

// inClusterNamespaceFile holds the namespace of the pod's service account.
const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// Options select the cluster, the namespaces and the limits of a read.
type Options struct {
	// Kubeconfig is the kubeconfig file. When empty, the KUBECONFIG
	// variable and then ~/.kube/config are used, as kubectl does; inside a
	// pod with neither, the pod's service account is used.
	Kubeconfig string
	// Context is the kubeconfig context; "" means the current context.
	Context string
	// Namespace limits namespaced resources to one namespace; "" means the
	// namespace of the context (or of the pod's service account), and
	// "default" when it names none.
	Namespace string
	// AllNamespaces reads every namespace and overrides Namespace.
	AllNamespaces bool
	// Timeout bounds the whole read; 0 means DefaultTimeout.
	Timeout time.Duration
	// Workers bounds the requests in flight; 0 means DefaultWorkers.
	Workers int
	// PageSize is the number of items per list request; 0 means
	// DefaultPageSize.
	PageSize int64
	// QPS and Burst limit the request rate; 0 means DefaultQPS and
	// DefaultBurst.
	QPS   float32
	Burst int
	// UserAgent is sent with every request, such as "kubethreat/0.3.0".
	UserAgent string
	// IncludeOwned keeps pods, ReplicaSets and Jobs that a workload
	// controller owns. By default they are dropped, because the template
	// of their owner is scanned instead.
	IncludeOwned bool
	// WrapTransport wraps the HTTP transport, for example to record the
	// requests in a test.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// Progress, when set, is called after each page and each phase.
	Progress func(Progress)
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
}

// Progress is the state of a read, for a progress display.
type Progress struct {
	Phase    string // such as "checking permissions" or "listing"
	Resource string // the resource being listed, if any
	Objects  int    // objects kept so far
}

// Target is a cluster to read: its client configuration, its name in
// reports and the namespace to read.
type Target struct {
	Config *rest.Config
	// Name is the kubeconfig context, or "in-cluster" for the pod's
	// service account.
	Name string
	// Namespace is the namespace to read, or "" for all namespaces.
	Namespace string
	InCluster bool
}

// Location returns the location recorded for objects of the cluster: the
// context name, or the server URL for an in-cluster read.
func (t *Target) Location() source.Location {
	if t.InCluster || t.Name == "" {
		return source.Location{Cluster: t.Config.Host}
	}
	return source.Location{Cluster: t.Name}
}

// LogValue describes the target without its credentials, so that a logged
// Target never shows a token, password or key.
func (t *Target) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", t.Name),
		slog.String("server", t.Config.Host),
		slog.String("namespace", t.Namespace),
		slog.String("auth", authMethod(t.Config)),
		slog.Bool("inCluster", t.InCluster),
	)
}

// authMethod names how a configuration authenticates, never with the
// credential itself.
func authMethod(c *rest.Config) string {
	var methods []string
	switch {
	case c.BearerToken != "":
		methods = append(methods, "bearer token")
	case c.BearerTokenFile != "":
		methods = append(methods, "bearer token file "+c.BearerTokenFile)
	}
	if c.CertData != nil || c.CertFile != "" {
		methods = append(methods, "client certificate")
	}
	if c.Username != "" {
		methods = append(methods, "basic auth")
	}
	if c.ExecProvider != nil {
		methods = append(methods, "exec plugin "+c.ExecProvider.Command)
	}
	if c.AuthProvider != nil {
		methods = append(methods, "auth provider "+c.AuthProvider.Name)
	}
	if len(methods) == 0 {
		return "none"
	}
	return strings.Join(methods, ", ")
}

// Connect resolves the cluster to read from the options: a kubeconfig
// context, or the pod's service account when running in a pod without a
// kubeconfig. It makes no request.
func Connect(opts Options) (*Target, error) {
	var t *Target
	var err error
	if useInCluster(opts) {
		t, err = inCluster(opts)
	} else {
		t, err = fromKubeconfig(opts)
	}
	if err != nil {
		return nil, err
	}
	if opts.AllNamespaces {
		t.Namespace = ""
	}
	tune(t.Config, opts)
	return t, nil
}

func useInCluster(opts Options) bool {
	return opts.Kubeconfig == "" && os.Getenv(clientcmd.RecommendedConfigPathEnvVar) == "" &&
		os.Getenv("KUBERNETES_SERVICE_HOST") != "" && !fileExists(clientcmd.RecommendedHomeFile)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func inCluster(opts Options) (*Target, error) {
	if opts.Context != "" {
		return nil, fmt.Errorf("--context %q needs a kubeconfig, but none was found and the in-cluster service account is used; pass --kubeconfig", opts.Context)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the in-cluster configuration: %w", err)
	}
	ns := opts.Namespace
	if ns == "" {
		data, err := os.ReadFile(inClusterNamespaceFile)
		if err != nil {
			return nil, fmt.Errorf("reading the pod's namespace: %w; pass -n or -A", err)
		}
		ns = strings.TrimSpace(string(data))
	}
	return &Target{Config: cfg, Name: "in-cluster", Namespace: ns, InCluster: true}, nil
}

func fromKubeconfig(opts Options) (*Target, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: opts.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)

	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	name := opts.Context
	if name == "" {
		name = raw.CurrentContext
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, errors.New("no kubeconfig found: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config")
		}
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	ns := opts.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return nil, fmt.Errorf("reading the namespace of context %q: %w", name, err)
		}
	}
	return &Target{Config: cfg, Name: name, Namespace: ns}, nil
}

// NewTarget returns a target for a client configuration that the caller
// built, such as one of a test cluster. The options' namespace, rate
// limits, user agent and transport wrapper apply to a copy of cfg. An
// empty namespace reads all namespaces.
func NewTarget(cfg *rest.Config, name string, opts Options) *Target {
	c := rest.CopyConfig(cfg)
	tune(c, opts)
	ns := opts.Namespace
	if opts.AllNamespaces {
		ns = ""
	}
	return &Target{Config: c, Name: name, Namespace: ns}
}

// tune sets the rate limits, the user agent and the transport wrapper.
func tune(cfg *rest.Config, opts Options) {
	cfg.QPS = DefaultQPS
	if opts.QPS > 0 {
		cfg.QPS = opts.QPS
	}
	cfg.Burst = DefaultBurst
	if opts.Burst > 0 {
		cfg.Burst = opts.Burst
	}
	if opts.UserAgent != "" {
		cfg.UserAgent = opts.UserAgent
	}
	if opts.WrapTransport != nil {
		cfg.Wrap(opts.WrapTransport)
	}
}
