package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubethreat/kubethreat/source/cluster"
)

// runSize prints the number and the JSON size of the objects a scan lists,
// with and without metadata.managedFields, which the scan drops.
func runSize(args []string) error {
	fs := flag.NewFlagSet("size", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}

	versions := map[string]string{"": "v1", "apps": "v1", "batch": "v1", "networking.k8s.io": "v1", "rbac.authorization.k8s.io": "v1", "admissionregistration.k8s.io": "v1"}

	var count, total, trimmed int
	for _, r := range cluster.Resources {
		version, ok := versions[r.Group]
		if !ok || r.MetadataOnly {
			continue
		}
		list, err := client.Resource(schema.GroupVersionResource{Group: r.Group, Version: version, Resource: r.Resource}).
			List(context.Background(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, item := range list.Items {
			data, err := json.Marshal(item.Object)
			if err != nil {
				return err
			}
			total += len(data)
			item.SetManagedFields(nil)
			if data, err = json.Marshal(item.Object); err != nil {
				return err
			}
			trimmed += len(data)
			count++
		}
	}
	fmt.Printf("objects %d\njson_bytes %d\njson_bytes_without_managed_fields %d\n", count, total, trimmed)
	return nil
}
