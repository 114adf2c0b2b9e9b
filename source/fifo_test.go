//go:build unix

package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestNamedPipeSkipped(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("cannot create a named pipe: %v", err)
	}
	if err := os.Symlink("pipe.yaml", filepath.Join(dir, "to-pipe.yaml")); err != nil {
		t.Fatal(err)
	}
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), pod, 0o644); err != nil {
		t.Fatal(err)
	}

	// Opening the pipe for reading would block until a writer comes, so a
	// Load that opens it never returns.
	done := make(chan *LoadResult, 1)
	go func() {
		res, err := Load(context.Background(), LoadOptions{Paths: []string{dir}})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	var res *LoadResult
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("Load did not return: it opened the named pipe")
	}
	if res == nil {
		return
	}
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want 1 (pod.yaml)", len(res.Objects))
	}
	want := []string{
		pipe + ": skipped a named pipe (FIFO), which is not a regular file",
		filepath.Join(dir, "to-pipe.yaml") + ": skipped a symbolic link to a named pipe (FIFO), which is not a regular file",
	}
	if got := diagnosticTexts(res.Warnings); !slices.Equal(got, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", got, want)
	}
}
