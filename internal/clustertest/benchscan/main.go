// Command benchscan supports scripts/bench-cluster.sh: it fills a test
// cluster with objects, measures their size, and scans the cluster the way
// `kubethreat scan --cluster` does, for a build that does not have that
// flag yet.
//
//	benchscan seed -kubeconfig FILE -objects 10000
//	benchscan size -kubeconfig FILE
//	benchscan scan -kubeconfig FILE [-cpuprofile FILE] [-memprofile FILE]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/all" // registers the built-in checks
	"github.com/kubethreat/kubethreat/source/cluster"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchscan seed|size|scan [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seed":
		err = runSeed(os.Args[2:])
	case "size":
		err = runSize(os.Args[2:])
	case "scan":
		err = runScan(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q; use seed, size or scan", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscan:", err)
		os.Exit(1)
	}
}

func runScan(args []string) error {
	fs := flag.NewFlagSet("scan", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file after the checks")
	skip := fs.String("skip-prefix", "", "do not run the checks whose ID starts with this prefix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	start := time.Now()
	opts := cluster.Options{Kubeconfig: *kubeconfig, AllNamespaces: true, UserAgent: "kubethreat-benchscan"}
	target, err := cluster.Connect(opts)
	if err != nil {
		return err
	}
	res, err := cluster.Read(context.Background(), target, opts)
	if err != nil {
		return err
	}
	read := time.Since(start)
	var afterRead runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&afterRead)

	inv := check.NewInventory(res.Objects)
	for name, reason := range res.Unreadable {
		inv.Unreadable[name] = reason
	}
	inv.Cluster = &check.ClusterInfo{Server: res.Info.Server, Version: res.Info.Version, Provider: res.Info.Provider}
	var checks []*check.Check
	for _, c := range check.All() {
		if *skip == "" || !strings.HasPrefix(c.ID, *skip) {
			checks = append(checks, c)
		}
	}
	out, err := check.Run(context.Background(), inv, check.Options{Checks: checks})
	if err != nil {
		return err
	}
	total := time.Since(start)

	failed := 0
	for _, st := range out.Stats {
		failed += st.Failed
	}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	fmt.Printf("objects %d\nunreadable %d\nchecks %d\nfindings %d\nfailed %d\nread_seconds %.3f\ntotal_seconds %.3f\nheap_after_read_bytes %d\nheap_inuse_bytes %d\n",
		len(res.Objects), len(res.Unreadable), len(checks), len(out.Findings), failed, read.Seconds(), total.Seconds(), afterRead.HeapInuse, mem.HeapInuse)

	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		return pprof.WriteHeapProfile(f)
	}
	return nil
}
