//go:build cpuprofile

package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// cpuProfileDirEnv names the directory into which a provider built with the cpuprofile tag
// writes a CPU profile of each of its processes (the benchmarks build it so).
const cpuProfileDirEnv = "KRATOS_TF_CPUPROFILE_DIR"

// startCPUProfile profiles this process into cpu-<pid>.pprof in $KRATOS_TF_CPUPROFILE_DIR when
// it is set; the returned function ends the profile.
func startCPUProfile() func() {
	dir := os.Getenv(cpuProfileDirEnv)
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
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
