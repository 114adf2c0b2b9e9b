package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Each bench namespace holds objectsPerNamespace objects, itself included.
const (
	deploymentsPerNamespace  = 20
	podsPerNamespace         = 40
	rolesPerNamespace        = 20
	roleBindingsPerNamespace = 19
	objectsPerNamespace      = 1 + deploymentsPerNamespace + podsPerNamespace + rolesPerNamespace + roleBindingsPerNamespace

	// completeLabel marks a namespace whose objects were all created, so
	// that a later run skips it.
	completeLabel = "kubethreat.io/bench-complete"
)

func newClient(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 500, 1000
	return kubernetes.NewForConfig(cfg)
}

func runSeed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file")
	objects := fs.Int("objects", 10000, "objects to create, in namespaces of 100")
	workers := fs.Int("workers", 16, "create requests in flight")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client, err := newClient(*kubeconfig)
	if err != nil {
		return err
	}
	ctx := context.Background()

	done, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: completeLabel + "=true"})
	if err != nil {
		return err
	}
	complete := map[string]bool{}
	for _, ns := range done.Items {
		complete[ns.Name] = true
	}
	var todo []string
	for i := range *objects / objectsPerNamespace {
		name := fmt.Sprintf("kt-bench-%03d", i)
		if !complete[name] {
			todo = append(todo, name)
		}
	}
	fmt.Printf("namespaces: %d complete, %d to create\n", len(complete), len(todo))

	start := time.Now()
	var created atomic.Int64
	jobs := make(chan func() error)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil && !apierrors.IsAlreadyExists(err) {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				created.Add(1)
			}
		}()
	}
	for _, ns := range todo {
		if err := seedNamespace(ctx, client, ns, jobs); err != nil {
			close(jobs)
			return err
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	for _, ns := range todo {
		patch := []byte(`{"metadata":{"labels":{"` + completeLabel + `":"true"}}}`)
		if _, err := client.CoreV1().Namespaces().Patch(ctx, ns, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	fmt.Printf("created %d objects in %.1f s\n", created.Load()+int64(len(todo)), time.Since(start).Seconds())
	return nil
}

// seedNamespace creates the namespace and queues the creation of its
// objects.
func seedNamespace(ctx context.Context, client *kubernetes.Clientset, ns string, jobs chan<- func() error) error {
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for i := range deploymentsPerNamespace {
		d := deployment(fmt.Sprintf("app-%02d", i), i)
		jobs <- func() error {
			_, err := client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
			return err
		}
	}
	for i := range podsPerNamespace {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%02d", i), Labels: map[string]string{"app": "bench"}}, Spec: podSpec(i)}
		jobs <- func() error { _, err := client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); return err }
	}
	for i := range rolesPerNamespace {
		r := role(fmt.Sprintf("role-%02d", i), i)
		jobs <- func() error { _, err := client.RbacV1().Roles(ns).Create(ctx, r, metav1.CreateOptions{}); return err }
	}
	for i := range roleBindingsPerNamespace {
		b := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("binding-%02d", i)},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: fmt.Sprintf("role-%02d", i)},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: fmt.Sprintf("sa-%02d", i), Namespace: ns}},
		}
		jobs <- func() error {
			_, err := client.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{})
			return err
		}
	}
	return nil
}

func deployment(name string, i int) *appsv1.Deployment {
	labels := map[string]string{"app": name, "tier": "backend"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(i)},
		},
	}
}

// podSpec varies by i, so that some objects fail some checks.
func podSpec(i int) corev1.PodSpec {
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false),
		RunAsNonRoot:             ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	if i%10 == 0 {
		sc = &corev1.SecurityContext{Privileged: ptr(true)}
	}
	return corev1.PodSpec{
		ServiceAccountName: fmt.Sprintf("sa-%02d", i%roleBindingsPerNamespace),
		Containers: []corev1.Container{{
			Name:            "app",
			Image:           fmt.Sprintf("registry.example.com/shop/app-%02d:1.%d.0", i, i),
			Ports:           []corev1.ContainerPort{{ContainerPort: 8080, Name: "http"}},
			Env:             []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"}},
			SecurityContext: sc,
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
		}},
	}
}

func role(name string, i int) *rbacv1.Role {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps", "services"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list"}},
	}
	if i%5 == 0 {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}})
	}
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func ptr[T any](v T) *T { return &v }
