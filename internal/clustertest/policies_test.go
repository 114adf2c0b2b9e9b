package clustertest

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubethreat/kubethreat/source/cluster"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// crd returns a cluster-scoped CustomResourceDefinition that accepts any
// fields, like the ones Kyverno and Gatekeeper install.
func crd(group, version, kind, plural string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": plural + "." + group},
		"spec": map[string]any{
			"group": group,
			"scope": "Cluster",
			"names": map[string]any{"kind": kind, "plural": plural, "singular": strings.ToLower(kind)},
			"versions": []any{map[string]any{
				"name": version, "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
}

// createCustom creates a CRD, waits until the API server serves it, then
// creates obj. The CRD is deleted when the test ends.
func createCustom(t *testing.T, client dynamic.Interface, def *unstructured.Unstructured, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	_, err := client.Resource(crdResource).Create(ctx, def, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating CRD %s: %v", def.GetName(), err)
	}
	t.Cleanup(func() {
		_ = client.Resource(crdResource).Delete(context.Background(), def.GetName(), metav1.DeleteOptions{})
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = client.Resource(gvr).Create(ctx, obj, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("creating %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestScanReadsPolicyEngines(t *testing.T) {
	e := setup(t)
	client, err := dynamic.NewForConfig(e.adminCfg)
	if err != nil {
		t.Fatal(err)
	}
	kyverno := schema.GroupVersionResource{Group: "kyverno.io", Version: "v1", Resource: "clusterpolicies"}
	createCustom(t, client, crd("kyverno.io", "v1", "ClusterPolicy", "clusterpolicies"), kyverno,
		&unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
			"metadata": map[string]any{"name": "kt-scan-disallow-privileged"},
			"spec":     map[string]any{"validationFailureAction": "Enforce", "rules": []any{}},
		}})
	constraint := schema.GroupVersionResource{Group: cluster.GatekeeperConstraintGroup, Version: "v1beta1", Resource: "k8spspprivilegedcontainer"}
	createCustom(t, client, crd(cluster.GatekeeperConstraintGroup, "v1beta1", "K8sPSPPrivilegedContainer", "k8spspprivilegedcontainer"), constraint,
		&unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sPSPPrivilegedContainer",
			"metadata": map[string]any{"name": "kt-scan-psp-privileged"},
			"spec":     map[string]any{"enforcementAction": "deny"},
		}})

	res := read(t, e.adminCfg, cluster.Options{AllNamespaces: true})
	want := map[string]string{
		"kt-scan-disallow-privileged": "kyverno.io/v1 ClusterPolicy",
		"kt-scan-psp-privileged":      "constraints.gatekeeper.sh/v1beta1 K8sPSPPrivilegedContainer",
	}
	for _, o := range res.Objects {
		if w, ok := want[o.Name]; ok {
			if got := o.APIVersion + " " + o.Kind; got != w {
				t.Errorf("%s read as %s, want %s", o.Name, got, w)
			}
			if got := o.Get("apiVersion").Str() + " " + o.Get("kind").Str(); got != w {
				t.Errorf("%s document says %s, want %s", o.Name, got, w)
			}
			delete(want, o.Name)
		}
	}
	for name, w := range want {
		t.Errorf("the scan did not read %s %s; listed %v, not served %v", w, name, res.Listed, res.NotServed)
	}
	if len(res.Unreadable) != 0 {
		t.Errorf("unreadable: %v", res.Unreadable)
	}
}
