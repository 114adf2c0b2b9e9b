// Command kubethreat maps Kubernetes clusters, manifests and detection rules
// to the Threat Matrix for Kubernetes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubethreat/kubethreat/internal/cli"
	"github.com/kubethreat/kubethreat/web"
)

// shutdownGrace is how long a command may take to finish after the first
// interrupt or SIGTERM before the process exits anyway: longer than the web
// server takes to drain its requests.
const shutdownGrace = web.ShutdownTimeout + 5*time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		// The first signal cancels the command, which then stops at its
		// next check of the context. A command blocked where it cannot
		// check, such as opening a named pipe with no writer, must not
		// keep the process alive: a second signal now ends it at once,
		// and the grace period bounds the wait without one.
		stop()
		time.Sleep(shutdownGrace)
		fmt.Fprintln(os.Stderr, "kubethreat: interrupted, and the command did not stop in time; exiting")
		os.Exit(cli.ExitUsage)
	}()
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
