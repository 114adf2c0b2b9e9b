package clustertest

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source/cluster"
)

func ptr[T any](v T) *T { return &v }

func container(name string, sc *corev1.SecurityContext) corev1.Container {
	return corev1.Container{Name: name, Image: "registry.example.com/" + name + ":1.0", SecurityContext: sc}
}

// badPods returns pods of the badPods categories: each one breaks out of
// its container a different way.
func badPods() []*corev1.Pod {
	hostRoot := corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}
	mountRoot := []corev1.VolumeMount{{Name: "host", MountPath: "/host"}}
	everything := container("everything", &corev1.SecurityContext{Privileged: ptr(true)})
	everything.VolumeMounts = mountRoot
	hostPath := container("hostpath", nil)
	hostPath.VolumeMounts = mountRoot
	return []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "priv"}, Spec: corev1.PodSpec{Containers: []corev1.Container{container("priv", &corev1.SecurityContext{Privileged: ptr(true)})}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hostpid"}, Spec: corev1.PodSpec{HostPID: true, Containers: []corev1.Container{container("hostpid", nil)}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hostnetwork"}, Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{container("hostnetwork", nil)}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hostipc"}, Spec: corev1.PodSpec{HostIPC: true, Containers: []corev1.Container{container("hostipc", nil)}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hostpath"}, Spec: corev1.PodSpec{Volumes: []corev1.Volume{hostRoot}, Containers: []corev1.Container{hostPath}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "everything-allowed"}, Spec: corev1.PodSpec{
			HostPID: true, HostNetwork: true, HostIPC: true, Volumes: []corev1.Volume{hostRoot}, Containers: []corev1.Container{everything},
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hardened"}, Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr(false),
			SecurityContext:              &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(10001)), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{container("hardened", &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			})},
		}},
	}
}

// fixture is what TestScanFindings creates.
type fixture struct {
	protected, open string // namespaces with and without a default-deny policy
	adminBinding    string // the ClusterRoleBinding of the deployer account
}

func createFixture(t *testing.T, e *env) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{
		protected: e.namespace(t, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}),
		open:      e.namespace(t, nil),
	}
	core := e.admin.CoreV1()

	for _, p := range badPods() {
		if _, err := core.Pods(f.open).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating pod %s: %v", p.Name, err)
		}
	}

	// A pod whose service account is bound to cluster-admin.
	if _, err := core.ServiceAccounts(f.open).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crb, err := e.admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kt-scan-deployer-"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: f.open}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.adminBinding = crb.Name
	t.Cleanup(func() {
		_ = e.admin.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb.Name, metav1.DeleteOptions{})
	})
	deployer := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}, Spec: corev1.PodSpec{
		ServiceAccountName: "deployer", Containers: []corev1.Container{container("kubectl", nil)},
	}}
	if _, err := core.Pods(f.open).Create(ctx, deployer, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// A Role that reads Secrets and execs into pods.
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "debugger"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create"}},
	}}
	if _, err := e.admin.RbacV1().Roles(f.open).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// A default-deny policy in one namespace only.
	deny := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny"}, Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
	}}
	if _, err := e.admin.NetworkingV1().NetworkPolicies(f.protected).Create(ctx, deny, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	web := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: badPods()[6].Spec}
	if _, err := core.Pods(f.protected).Create(ctx, web, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// A static pod's mirror, outside kube-system.
	mirror := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "miner-node-1", Annotations: map[string]string{cluster.MirrorAnnotation: "0a1b2c3d4e5f"}},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{container("miner", nil)}},
	}
	if _, err := core.Pods(f.open).Create(ctx, mirror, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating a mirror pod: %v", err)
	}

	// A ConfigMap that carries a credential.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config"}, Data: map[string]string{
		"DATABASE_URL": "postgres://app:Zx9vQ2mL7pRt4wK8@db.shop.svc:5432/app",
	}}
	if _, err := core.ConfigMaps(f.open).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	createWebhook(t, e, f.open)
	return f
}

// createWebhook creates a mutating webhook on every pod CREATE. It is
// limited to the test's namespace by a namespace selector so that it never
// delays other tests' pods, and its failure policy ignores the service it
// names, which does not exist.
func createWebhook(t *testing.T, e *env, namespace string) {
	t.Helper()
	hook := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kt-scan-sidecar-"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name: "sidecar.kubethreat.test",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				Service: &admissionregistrationv1.ServiceReference{Namespace: namespace, Name: "injector", Path: ptr("/mutate")},
			},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": namespace}},
			FailurePolicy:           ptr(admissionregistrationv1.Ignore),
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	created, err := e.admin.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(context.Background(), hook, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.admin.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), created.Name, metav1.DeleteOptions{})
	})
}

func TestScanFindings(t *testing.T) {
	e := setup(t)
	f := createFixture(t, e)

	res, inv, out := scan(t, e.adminCfg, cluster.Options{AllNamespaces: true})
	if len(res.Unreadable) != 0 {
		t.Errorf("the admin could not read %v", res.Unreadable)
	}

	t.Run("pod security", func(t *testing.T) {
		for _, tc := range []struct{ check, pod string }{
			{"pod-privileged", "priv"},
			{"pod-privileged", "everything-allowed"},
			{"pod-host-pid", "hostpid"},
			{"pod-host-pid", "everything-allowed"},
			{"pod-host-network", "hostnetwork"},
			{"pod-host-ipc", "hostipc"},
			{"hostpath-sensitive", "hostpath"},
			{"hostpath-sensitive", "everything-allowed"},
		} {
			expect(t, out, tc.check, "Pod", f.open, tc.pod, check.Fail)
		}
		for _, id := range []string{"pod-privileged", "pod-host-pid", "pod-host-network", "pod-host-ipc", "hostpath-sensitive"} {
			expect(t, out, id, "Pod", f.open, "hardened", check.Pass)
		}
	})

	t.Run("service account power", func(t *testing.T) {
		expect(t, out, "cluster-powerful-service-account-pods", "Pod", f.open, "deployer", check.Fail,
			`runs as ServiceAccount "`+f.open+`/deployer"`,
			`ClusterRoleBinding "`+f.adminBinding+`" → ClusterRole "cluster-admin" → rules[0]`)
		expect(t, out, "cluster-service-account-pods-read-secrets", "Pod", f.open, "deployer", check.Fail)
		expect(t, out, "cluster-powerful-service-account-pods", "Pod", f.open, "hardened", check.Pass)
		expect(t, out, "rbac-cluster-admin-binding", "ClusterRoleBinding", "", f.adminBinding, check.Fail)
		expect(t, out, "rbac-secrets-read", "Role", f.open, "debugger", check.Fail)
		expect(t, out, "rbac-pod-exec", "Role", f.open, "debugger", check.Fail)
	})

	t.Run("network policies", func(t *testing.T) {
		expect(t, out, "network-namespace-unprotected", "Namespace", "", f.open, check.Fail)
		expect(t, out, "network-namespace-unprotected", "Namespace", "", f.protected, check.Pass)
	})

	t.Run("pod security labels", func(t *testing.T) {
		expect(t, out, "admission-pod-security-enforced", "Namespace", "", f.open, check.Fail)
		expect(t, out, "admission-pod-security-enforced", "Namespace", "", f.protected, check.Pass)
	})

	t.Run("static pod", func(t *testing.T) {
		expect(t, out, "cluster-static-pod", "Pod", f.open, "miner-node-1", check.Fail, `outside kube-system`)
	})

	t.Run("configmap credential", func(t *testing.T) {
		expect(t, out, "secrets-configmap-credentials", "ConfigMap", f.open, "app-config", check.Fail)
		for _, fd := range findings(out, "secrets-configmap-credentials", f.open) {
			if strings.Contains(fd.Message+fd.Evidence, "Zx9vQ2mL7pRt4wK8") {
				t.Errorf("finding shows the password: %s %s", fd.Message, fd.Evidence)
			}
		}
	})

	t.Run("webhook", func(t *testing.T) {
		hooks := 0
		for _, o := range inv.Kind("MutatingWebhookConfiguration") {
			if strings.HasPrefix(o.Name, "kt-scan-sidecar-") {
				hooks++
			}
		}
		if hooks == 0 {
			t.Error("the inventory has no kt-scan-sidecar- MutatingWebhookConfiguration")
		}
	})

	t.Run("objects", func(t *testing.T) {
		for _, o := range inv.Objects {
			if o.Origin != "cluster" || o.Loc.Cluster != "kubethreat-test" {
				t.Fatalf("%s has origin %q and location %+v, want cluster kubethreat-test", o.Ref, o.Origin, o.Loc)
			}
			if o.Get("metadata.managedFields").Exists() {
				t.Fatalf("%s keeps metadata.managedFields", o.Ref)
			}
		}
		if inv.Cluster.Version == "" {
			t.Error("the cluster version is empty")
		}
	})
}

func TestScanEventsMissing(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	ns := e.namespace(t, nil)
	core := e.admin.CoreV1()

	// No scheduler runs, so the test schedules the pods itself: it sets
	// the PodScheduled condition, and records an event for one pod only.
	scheduled := map[string]*corev1.Pod{}
	for _, name := range []string{"with-event", "without-event"} {
		p, err := core.Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{container(name, nil)}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(time.Now().Add(-5 * time.Minute))}}
		if p, err = core.Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		scheduled[name] = p
	}
	p := scheduled["with-event"]
	_, err := core.Events(ns).Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: "with-event."},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: p.Name, UID: p.UID},
		Reason:         "Scheduled", Message: "Successfully assigned to node-1", Type: corev1.EventTypeNormal,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	_, _, out := scan(t, e.adminCfg, cluster.Options{Namespace: ns})
	expect(t, out, "cluster-events-missing", "Pod", ns, "without-event", check.Fail, "holds no event about it")
	expect(t, out, "cluster-events-missing", "Pod", ns, "with-event", check.Pass)
}
