// Package gctuner gives the provider's garbage collector headroom while its live heap is small.
package gctuner

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// gcHeadroom is how much the heap may grow past the live heap before the next collection while
// the live heap is small. The provider's live heap stays at a few MiB while Terraform plans
// thousands of identities, but every request allocates short-lived values; at Go's default
// (collect when the heap has doubled) the collector then ran every few MiB and took a quarter of
// the provider's CPU time. Once the live heap exceeds it (a data source listing 10,000
// identities), collections follow Go's default again, so large reads use no more memory.
const gcHeadroom = 64 << 20

// liveHeapMetric is the runtime metric of the heap that the last collection found live.
const liveHeapMetric = "/gc/heap/live:bytes"

// Start sets the collector's target after every collection from gcPercentFor, unless the
// user has set GOGC or GOMEMLIMIT.
func Start() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercentFor(0))
	armGCTuner()
}

// gcSentinel is allocated only to be collected: the collection that frees it runs its cleanup.
// It is larger than the tiny allocator's 16 bytes, whose objects may never be freed one by one.
type gcSentinel [32]byte

// armGCTuner allocates a sentinel, which the next collection frees; its cleanup retunes the
// collector from the live heap that collection found and arms the tuner again.
func armGCTuner() {
	runtime.AddCleanup(new(gcSentinel), func(struct{}) {
		s := []metrics.Sample{{Name: liveHeapMetric}}
		metrics.Read(s)
		debug.SetGCPercent(gcPercentFor(s[0].Value.Uint64()))
		armGCTuner()
	}, struct{}{})
}

// gcPercentFor is the GOGC value that lets a live heap of the given size grow by gcHeadroom,
// but never less than Go's default of 100 nor more than 1600.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 1600
	}
	return int(min(1600, max(100, gcHeadroom*100/live)))
}
