package pod

import "testing"

func TestSysctlName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"net.ipv4.ip_forward", "net.ipv4.ip_forward"},
		{"net/ipv4/ip_forward", "net.ipv4.ip_forward"},
		{"net/ipv4/conf/eno2.100/rp_filter", "net.ipv4.conf.eno2/100.rp_filter"},
		{"net.ipv4.conf.eno2/100.rp_filter", "net.ipv4.conf.eno2/100.rp_filter"},
		{" kernel.shm_rmid_forced ", "kernel.shm_rmid_forced"},
		{"kernel", "kernel"},
	}
	for _, tt := range tests {
		if got := sysctlName(tt.in); got != tt.want {
			t.Errorf("sysctlName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCapabilityName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SYS_ADMIN", "SYS_ADMIN"},
		{"CAP_SYS_ADMIN", "SYS_ADMIN"},
		{"cap_sys_admin", "SYS_ADMIN"},
		{" all ", "ALL"},
		{"Net_Raw", "NET_RAW"},
	}
	for _, tt := range tests {
		if got := capability(tt.in); got != tt.want {
			t.Errorf("capability(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
