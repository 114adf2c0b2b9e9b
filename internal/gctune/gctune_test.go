package gctune

import (
	"runtime/debug"
	"testing"
)

func TestForScanSetsPercent(t *testing.T) {
	t.Setenv("GOGC", "")
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	ForScan()
	if got := debug.SetGCPercent(100); got != ScanPercent {
		t.Errorf("GC percent after ForScan = %d, want %d", got, ScanPercent)
	}
}

func TestForScanKeepsGOGC(t *testing.T) {
	t.Setenv("GOGC", "150")
	old := debug.SetGCPercent(150)
	defer debug.SetGCPercent(old)

	ForScan()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GC percent after ForScan with GOGC=150 = %d, want 150 kept", got)
	}
}
