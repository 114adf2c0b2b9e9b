package source

import "testing"

func TestValuePaths(t *testing.T) {
	objs, _, err := DecodeYAML("p.yaml", []byte(`apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: x
  - name: b
    securityContext:
      privileged: true
`))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v, %d objects", err, len(objs))
	}
	o := objs[0]
	containers := o.Get("spec.containers")
	tests := []struct {
		v    Value
		want string
	}{
		{o.Root(), ""},
		{o.Get("metadata.name"), "metadata.name"},
		{containers.Index(1).Field("securityContext").Field("privileged"), "spec.containers[1].securityContext.privileged"},
		{containers.Items()[0].Field("image"), "spec.containers[0].image"},
		{containers.Index(0).Field("securityContext").Field("privileged"), "spec.containers[0].securityContext.privileged"},
		{containers.Index(5).Field("name"), "spec.containers[5].name"},
		{o.Get("spec.volumes").Index(0), "spec.volumes[0]"},
		{o.Root().Field("status").Field("phase"), "status.phase"},
		{o.Get("metadata.name").Field("oops"), "metadata.name.oops"},
	}
	for _, tc := range tests {
		if got := tc.v.Path(); got != tc.want {
			t.Errorf("Path() = %q, want %q", got, tc.want)
		}
	}
	for _, e := range containers.Index(1).Entries() {
		if e.Key == "securityContext" && e.Value.Path() != "spec.containers[1].securityContext" {
			t.Errorf("entry path = %q", e.Value.Path())
		}
	}
	if loc := containers.Index(0).Field("securityContext").Loc(); loc.Line != 1 {
		// A missing field has no position of its own; Loc falls back to
		// the object's start.
		t.Errorf("missing field Loc = %v, want the object's start", loc)
	}
}

func BenchmarkValueField(b *testing.B) {
	objs, _, err := DecodeYAML("p.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext: {runAsNonRoot: true}\n"))
	if err != nil {
		b.Fatal(err)
	}
	o := objs[0]
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range o.Get("spec.containers").Items() {
			_ = c.Field("securityContext").Field("privileged").IsTrue()
			_ = c.Field("securityContext").Field("runAsNonRoot").IsTrue()
		}
	}
}
