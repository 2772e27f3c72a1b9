//go:build !cpuprofile

package main

// startCPUProfile does nothing: only a build with the cpuprofile tag profiles itself.
func startCPUProfile() func() { return func() {} }
