//go:build probe

package probe

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/kratos-tf/terraform-provider-kratos/internal/heappeak"
)

// probeDirEnv names the directory into which a provider built with the probe tag (the benchmarks
// build it so) writes, per process, a CPU profile (cpu-<pid>.pprof) and the highest heap it
// reached, in bytes of heap objects, garbage not yet collected included (heap-peak-<pid>.txt).
const probeDirEnv = "KRATOS_TF_PROBE_DIR"

// Start starts the CPU profile and the heap sampling when $KRATOS_TF_PROBE_DIR is set;
// the returned function ends both and writes their files.
func Start() func() {
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
	stopHeap := heappeak.Sample()
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		text := fmt.Sprintf("%d\n", stopHeap())
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("heap-peak-%d.txt", os.Getpid())), []byte(text), 0o600); err != nil {
			log.Print(err)
		}
	}
}
