//go:build !probe

// Package probe profiles the provider process for the benchmarks: built with the probe tag, it
// writes a CPU profile and the peak heap of each process; otherwise it does nothing.
package probe

// Start does nothing: only a build with the probe tag profiles itself.
func Start() func() { return func() {} }
