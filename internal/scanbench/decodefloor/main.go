// Command decodefloor measures the floor under a scan's time: it reads
// every .yaml, .yml and .json file under its arguments and decodes each
// document into a yaml.v3 Node tree, the parser the scan uses, and does
// nothing else. Files are decoded by one goroutine per CPU, as the scan's
// loader does.
//
//	go run ./internal/scanbench/decodefloor [-keep=false] PATH...
//
// With -keep (the default) every tree stays in memory until the end, as the
// scan's inventory keeps them, so that peak memory is comparable too. The
// garbage collector runs with the scan's setting (gctune.ForScan), so that
// the floor measures decoding and not a difference in tuning.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/internal/gctune"
)

func main() {
	keep := flag.Bool("keep", true, "keep every decoded tree in memory until the end")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "files decoded at once")
	flag.Parse()
	gctune.ForScan()

	start := time.Now()
	files := listFiles(flag.Args())
	type result struct {
		docs  []*yaml.Node
		count int
		bytes int64
		errs  int
	}
	results := make([]result, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, *workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, err := os.ReadFile(files[i])
				if err != nil {
					results[i].errs++
					continue
				}
				results[i].bytes = int64(len(data))
				dec := yaml.NewDecoder(bytes.NewReader(data))
				for {
					var n yaml.Node
					err := dec.Decode(&n)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						results[i].errs++
						break
					}
					results[i].count++
					if *keep {
						results[i].docs = append(results[i].docs, &n)
					}
				}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)

	docs, errs := 0, 0
	var size int64
	for _, r := range results {
		docs += r.count
		errs += r.errs
		size += r.bytes
	}
	runtime.KeepAlive(results)
	fmt.Printf("decode floor: %d files, %d bytes, %d documents, %d errors in %s (%.0f documents/s)\n",
		len(files), size, docs, errs, elapsed.Round(time.Millisecond), float64(docs)/elapsed.Seconds())
}

// listFiles returns the manifest files under the paths, in lexical order.
func listFiles(paths []string) []string {
	var files []string
	for _, root := range paths {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if d.Type().IsRegular() {
					files = append(files, path)
				}
			}
			return nil
		})
	}
	return files
}
