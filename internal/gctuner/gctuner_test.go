package gctuner

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 1600},
		{1 << 20, 1600},            // 64 MiB of headroom would be 6400%: capped
		{4 << 20, 1600},            // exactly 64 MiB of headroom
		{16 << 20, 400},            // 64 MiB on 16 MiB
		{64 << 20, 100},            // from here on, Go's default
		{300 << 20, 100},           // a large list: never less than the default
		{gcHeadroom * 100, 100},    // far beyond
		{gcHeadroom / 8 * 3, 266},  // rounds down
		{gcHeadroom / 5 * 2, 250},  // 64 MiB on 25.6 MiB
		{gcHeadroom / 10 * 9, 111}, // just below the default's threshold
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// TestGCTunerFollowsLiveHeap starts the tuner, keeps twice gcHeadroom live and checks that after a
// collection the tuner has set Go's default, then that it raises the target again once that heap
// is garbage; it also checks that GOGC set by the user turns the tuner off.
func TestGCTunerFollowsLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	Start()
	if got := gogc(); got != 150 {
		t.Fatalf("with GOGC set the tuner changed GOGC to %d", got)
	}

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	Start()
	if got := gogc(); got != 1600 {
		t.Fatalf("GOGC after start = %d, want 1600", got)
	}
	ballast := make([]byte, 2*gcHeadroom)
	waitForGOGC(t, 100)
	runtime.KeepAlive(ballast)
	waitForGOGC(t, 1600)
}

// waitForGOGC collects until the tuner, which runs after a collection, has set want, for up to 10 s.
func waitForGOGC(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for gogc() != want {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC = %d, want %d", gogc(), want)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// gogc reads the collector's current GOGC.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
