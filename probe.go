//go:build probe

package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// probeDirEnv names the directory into which a provider built with the probe tag (the benchmarks
// build it so) writes, per process, a CPU profile (cpu-<pid>.pprof) and the highest heap it
// reached, in bytes of heap objects, garbage not yet collected included (heap-peak-<pid>.txt).
const probeDirEnv = "KRATOS_TF_PROBE_DIR"

// heapObjectsMetric is the runtime metric for the bytes of live and not yet swept heap objects.
const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

// startProbe starts the CPU profile and the heap sampling when $KRATOS_TF_PROBE_DIR is set;
// the returned function ends both and writes their files.
func startProbe() func() {
	dir := os.Getenv(probeDirEnv)
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	done, peak := make(chan struct{}), make(chan uint64)
	go sampleHeap(done, peak)
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		close(done)
		text := fmt.Sprintf("%d\n", <-peak)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("heap-peak-%d.txt", os.Getpid())), []byte(text), 0o600); err != nil {
			log.Print(err)
		}
	}
}

// sampleHeap reads heapObjectsMetric every millisecond until done is closed, then sends the highest value.
func sampleHeap(done <-chan struct{}, peak chan<- uint64) {
	s := []metrics.Sample{{Name: heapObjectsMetric}}
	var highest uint64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(s)
		highest = max(highest, s[0].Value.Uint64())
		select {
		case <-done:
			peak <- highest
			return
		case <-tick.C:
		}
	}
}
