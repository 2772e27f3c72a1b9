// Package heappeak measures the highest heap a process reaches, for benchmarks and the provider's probe build.
package heappeak

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// objectsMetric is the runtime metric for the bytes of live and not yet swept heap objects.
const objectsMetric = "/memory/classes/heap/objects:bytes"

// Objects returns the bytes of heap objects now, garbage not yet collected included.
func Objects() uint64 {
	s := []metrics.Sample{{Name: objectsMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Sample reads Objects every millisecond until the returned function is called, which stops the
// sampling and returns the highest value seen.
func Sample() func() uint64 {
	var peak atomic.Uint64
	raise := func() {
		if v := Objects(); v > peak.Load() {
			peak.Store(v)
		}
	}
	raise()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				raise()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		raise()
		return peak.Load()
	}
}
