package hostpath

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"//", "/"},
		{"/var/run/", "/var/run"},
		{"//var//run//docker.sock", "/var/run/docker.sock"},
		{"/var/./lib/kubelet/.", "/var/lib/kubelet"},
		{"/srv/app/../../etc", "/etc"},
		{" /etc/kubernetes ", "/etc/kubernetes"},
		{`C:\var\log`, `C:\var\log`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTargetMatch(t *testing.T) {
	socket := target{Path: "/var/run/docker.sock"}
	kubelet := target{Path: "/var/lib/kubelet", Subtree: true}
	userAWS := target{Path: "/home/*/.aws", Subtree: true}
	anyAWS := target{Path: ".aws", Anywhere: true}
	anyGcloud := target{Path: ".config/gcloud", Anywhere: true}
	tests := []struct {
		t        target
		hostPath string
		want     string
	}{
		{socket, "/var/run/docker.sock", "is"},
		{socket, "/var/run", "contains"},
		{socket, "/", "contains"},
		{socket, "/var/run/docker.sock.d", ""},
		{socket, "/var/runner", ""},
		{kubelet, "/var/lib/kubelet/pki", "is inside"},
		{kubelet, "/var/lib", "contains"},
		{kubelet, "/var/lib/kubelet-plugins", ""},
		{nodeRoot, "/", "is"},
		{nodeRoot, "/srv", ""},
		{userAWS, "/home/alice/.aws", "is"},
		{userAWS, "/home/alice/.aws/credentials", "is inside"},
		{userAWS, "/home", "contains"},
		{userAWS, "/home/alice", "contains"},
		{userAWS, "/home/alice/data", ""},
		{socket, `C:\var\run`, ""},
		{anyAWS, "/.aws/config", "is inside"},
		{anyAWS, "/srv/ci/.aws", "is"},
		{anyAWS, "/srv/ci", ""},
		{anyAWS, "/srv/ci/.awsome", ""},
		{anyGcloud, "/opt/.config/gcloud/legacy", "is inside"},
		{anyGcloud, "/opt/.config", ""},
	}
	for _, tt := range tests {
		if got := tt.t.match(tt.hostPath); got != tt.want {
			t.Errorf("%s match %q = %q, want %q", tt.t.Path, tt.hostPath, got, tt.want)
		}
	}
}
