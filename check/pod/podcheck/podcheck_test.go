package podcheck

import (
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 1000
    runAsNonRoot: true
  containers:
    - name: inherits
      image: nginx:1.27
    - name: overrides
      image: nginx:1.27
      securityContext:
        runAsUser: 0
        runAsNonRoot: false
    - name: group-zero
      image: nginx:1.27
      securityContext:
        runAsGroup: 0
`

func podSpec(t *testing.T, text string) check.PodSpec {
	t.Helper()
	objects, _, err := source.DecodeYAML("pod.yaml", []byte(text))
	if err != nil || len(objects) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objects))
	}
	specs := check.PodSpecs(objects[0])
	if len(specs) != 1 {
		t.Fatalf("got %d pod specs, want 1", len(specs))
	}
	return specs[0]
}

func TestEffectivePrecedence(t *testing.T) {
	ps := podSpec(t, pod)
	containers := ps.Containers()
	tests := []struct {
		container int
		field     string
		value     string
		path      string
	}{
		{0, "runAsUser", "1000", "spec.securityContext.runAsUser"},
		{0, "runAsNonRoot", "true", "spec.securityContext.runAsNonRoot"},
		{1, "runAsUser", "0", "spec.containers[1].securityContext.runAsUser"},
		{1, "runAsNonRoot", "false", "spec.containers[1].securityContext.runAsNonRoot"},
		{1, "runAsGroup", "1000", "spec.securityContext.runAsGroup"},
		{2, "runAsGroup", "0", "spec.containers[2].securityContext.runAsGroup"},
	}
	for _, tt := range tests {
		v := Effective(ps, containers[tt.container], tt.field)
		if v.Str() != tt.value || v.Path() != tt.path {
			t.Errorf("container %d %s = %q at %s, want %q at %s", tt.container, tt.field, v.Str(), v.Path(), tt.value, tt.path)
		}
	}
}

func TestNonRootIdentity(t *testing.T) {
	ps := podSpec(t, pod)
	want := []bool{true, false, false}
	for i, c := range ps.Containers() {
		if got := NonRootIdentity(ps, c); got != want[i] {
			t.Errorf("container %q: NonRootIdentity = %v, want %v", c.Name, got, want[i])
		}
	}
}

func TestNearest(t *testing.T) {
	ps := podSpec(t, pod)
	containers := ps.Containers()
	if got := Nearest(containers[0].Value, "securityContext", "capabilities").Path(); got != "spec.containers[0]" {
		t.Errorf("Nearest on a container without securityContext = %s, want spec.containers[0]", got)
	}
	if got := Nearest(containers[1].Value, "securityContext", "capabilities").Path(); got != "spec.containers[1].securityContext" {
		t.Errorf("Nearest on a container with securityContext = %s, want spec.containers[1].securityContext", got)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		c    check.Container
		want string
	}{
		{check.Container{Name: "app"}, `container "app"`},
		{check.Container{Name: "setup", Init: true}, `init container "setup"`},
		{check.Container{Name: "debugger", Ephem: true}, `ephemeral container "debugger"`},
	}
	for _, tt := range tests {
		if got := Describe(tt.c); got != tt.want {
			t.Errorf("Describe(%+v) = %s, want %s", tt.c, got, tt.want)
		}
	}
}
