package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/node" // the kubelet checks run on the configz object
	"github.com/kubethreat/kubethreat/source"
)

// configz is what a kubelet's /configz endpoint returns, shortened.
const configz = `{"kubeletconfig":{"enableServer":true,"staticPodPath":"/etc/kubernetes/manifests","readOnlyPort":10255,
"authentication":{"anonymous":{"enabled":true},"webhook":{"enabled":false}},"authorization":{"mode":"AlwaysAllow"}}}`

func TestKubeletConfigFromConfigz(t *testing.T) {
	var path, accept string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		path, accept = req.URL.Path, req.Header.Get("Accept")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(configz))
	}))
	defer server.Close()

	r, err := newReader(&Target{Config: &rest.Config{Host: server.URL}, Name: "test"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := r.kubeletConfig(context.Background(), "node-1")
	if err != nil {
		t.Fatal(err)
	}

	if path != "/api/v1/nodes/node-1/proxy/configz" || accept != acceptJSON {
		t.Errorf("request %s with Accept %q, want /api/v1/nodes/node-1/proxy/configz with %q", path, accept, acceptJSON)
	}
	if o.APIVersion != kubeletAPIVersion || o.Kind != kubeletKind || o.Name != "node-1" {
		t.Errorf("object %s %s %q, want %s %s \"node-1\"", o.APIVersion, o.Kind, o.Name, kubeletAPIVersion, kubeletKind)
	}
	for field, want := range map[string]string{
		"apiVersion":                       kubeletAPIVersion,
		"kind":                             kubeletKind,
		"metadata.name":                    "node-1",
		"readOnlyPort":                     "10255",
		"authentication.anonymous.enabled": "true",
		"authorization.mode":               "AlwaysAllow",
		"staticPodPath":                    "/etc/kubernetes/manifests",
	} {
		if got := o.Get(field).Str(); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if o.Loc.Cluster != "test" || o.Origin != "cluster" {
		t.Errorf("location %+v origin %q, want cluster test", o.Loc, o.Origin)
	}

	// The node checks read the object like a kubelet configuration file.
	for _, id := range []string{"node-kubelet-read-only-port", "node-kubelet-anonymous-auth", "node-kubelet-always-allow"} {
		c, ok := check.Lookup(id)
		if !ok {
			t.Fatalf("check %s is not registered", id)
		}
		res, err := check.Run(context.Background(), check.NewInventory([]*source.Object{o}), check.Options{Checks: []*check.Check{c}})
		if err != nil {
			t.Fatal(err)
		}
		if st := res.Stats[id]; st.Failed != 1 {
			t.Errorf("%s stats %+v, want one failure", id, st)
		}
	}
}

func TestKubeletConfigErrors(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"no kubeletconfig", `{"other":{}}`, http.StatusOK, "no kubeletconfig object"},
		{"invalid JSON", `{"kubeletconfig":`, http.StatusOK, "reading /configz"},
		{"proxy error", `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no endpoints","reason":"ServiceUnavailable","code":503}`, http.StatusServiceUnavailable, "no endpoints"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer server.Close()
			r, err := newReader(&Target{Config: &rest.Config{Host: server.URL}, Name: "test"}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.kubeletConfig(context.Background(), "node-1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("kubeletConfig error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
