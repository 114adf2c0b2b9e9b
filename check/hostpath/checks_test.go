package hostpath_test

import (
	"path/filepath"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	_ "github.com/kubethreat/kubethreat/check/hostpath"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "hostpath-", check.Config{})
}

func TestFindingDetails(t *testing.T) {
	tests := []struct {
		id, file string
		path     string
		line     int
		evidence string
		message  string
	}{
		{
			"hostpath-writable", "hostpath-writable/fail-root.yaml",
			"spec.containers[0].volumeMounts[0]", 10, "/",
			`container "shell" in Pod "shell" mounts host path "/" (volume "noderoot") writable at "/host"; set readOnly: true on the volumeMount or remove the volume`,
		},
		{
			"hostpath-writable", "hostpath-writable/fail-one-container-writable.yaml",
			"spec.template.spec.containers[1].volumeMounts[0].readOnly", 25, "/srv/collector",
			`container "rotator" in DaemonSet "logging/collector" mounts host path "/srv/collector" (volume "data") writable at "/data"; set readOnly: true on the volumeMount or remove the volume`,
		},
		{
			"hostpath-sensitive", "hostpath-sensitive/fail-read-only-root.yaml",
			"spec.volumes[0].hostPath.path", 16, "/",
			`Pod "inspector" mounts host path "/" (volume "root"), which is the node's root file system, in container "inspector" at "/host/root" (read-only); remove the volume or mount a narrower path outside the node's sensitive folders`,
		},
		{
			"hostpath-sensitive", "hostpath-sensitive/fail-kubelet-pki-unclean-path.yaml",
			"spec.volumes[0].hostPath.path", 16, "/var/lib/kubelet/pki",
			`Pod "certs" mounts host path "/var/lib/kubelet/pki" (volume "pki"), which is inside /var/lib/kubelet (the kubelet's folder, with its credentials and every pod's volumes), in container "certs" at "/pki" (read-only); remove the volume or mount a narrower path outside the node's sensitive folders`,
		},
		{
			"hostpath-sensitive", "hostpath-sensitive/fail-subpath-narrows-to-sensitive.yaml",
			"spec.containers[0].volumeMounts[0].subPath", 12, "/var/log",
			`Pod "reader" mounts host path "/var/log" (volume "var"), which is the node's logs, in container "reader" at "/logs" (read-only); remove the volume or mount a narrower path outside the node's sensitive folders`,
		},
		{
			"hostpath-runtime-socket", "hostpath-runtime-socket/fail-containerd-folder.yaml",
			"spec.volumes[0].hostPath.path", 15, "/run/containerd",
			`Pod "agent" mounts host path "/run/containerd" (volume "containerd"), which contains /run/containerd/containerd.sock (the containerd socket), in container "agent" at "/run/containerd" (writable); remove the volume, because a read-only mount does not stop connections to the socket`,
		},
		{
			"hostpath-static-pod-manifests", "hostpath-static-pod-manifests/fail-etc-parent.yaml",
			"spec.containers[0].volumeMounts[0]", 10, "/etc",
			`container "config" in Pod "config" mounts host path "/etc" (volume "etc"), which contains /etc/kubernetes/manifests (the kubelet's static pod folder), writable at "/host/etc"; set readOnly: true on the volumeMount or remove the volume`,
		},
		{
			"hostpath-volume", "hostpath-volume/fail-unmounted.yaml",
			"spec.volumes[0].hostPath.path", 12, "/srv/unused",
			`Pod "web" declares hostPath volume "unused" (host path "/srv/unused") that no container mounts; remove it`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, filepath.Join("testdata", tt.file)), check.Config{})
			var got []check.Finding
			for _, f := range res.Findings {
				if f.Status == check.Fail {
					got = append(got, f)
				}
			}
			if len(got) != 1 {
				t.Fatalf("got %d failures, want 1: %+v", len(got), got)
			}
			f := got[0]
			if f.FieldPath != tt.path {
				t.Errorf("field path %q, want %q", f.FieldPath, tt.path)
			}
			if f.Location.Line != tt.line {
				t.Errorf("line %d, want %d", f.Location.Line, tt.line)
			}
			if f.Evidence != tt.evidence {
				t.Errorf("evidence %q, want %q", f.Evidence, tt.evidence)
			}
			if f.Message != tt.message {
				t.Errorf("message\n got %s\nwant %s", f.Message, tt.message)
			}
		})
	}
}

// TestWritableRootFailsSeveralChecks pins down which checks a writable
// mount of the node's root fails, and that hostpath-volume leaves it to
// them.
func TestWritableRootFailsSeveralChecks(t *testing.T) {
	inv := checktest.Load(t, filepath.Join("testdata", "hostpath-writable", "fail-root.yaml"))
	want := map[string]int{
		"hostpath-writable":             1,
		"hostpath-sensitive":            1,
		"hostpath-runtime-socket":       1,
		"hostpath-static-pod-manifests": 1,
		"hostpath-container-logs":       1,
		"hostpath-cloud-credentials":    1,
		"hostpath-volume":               0,
	}
	for id, n := range want {
		res := checktest.RunCheck(t, id, inv, check.Config{})
		if got := res.Stats[id].Failed; got != n {
			t.Errorf("%s: %d failures, want %d", id, got, n)
		}
	}
}
