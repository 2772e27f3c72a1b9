package main

import (
	"os"
	"slices"
	"testing"
)

func TestIsTerminalIsFalseForAPipeAndAFile(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close(); _ = w.Close() })
	if isTerminal(w) {
		t.Error("a pipe counts as a terminal: the demo would colour a CI log")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	if isTerminal(f) {
		t.Error("a regular file counts as a terminal")
	}
}

func TestCLIArgsAddsNoColorAfterTheSubcommand(t *testing.T) {
	got := cliArgs([]string{"plan", "-input=false"}, false)
	if want := []string{"plan", "-no-color", "-input=false"}; !slices.Equal(got, want) {
		t.Errorf("without a terminal: got %q, want %q", got, want)
	}
	got = cliArgs([]string{"output"}, true)
	if want := []string{"output"}; !slices.Equal(got, want) {
		t.Errorf("on a terminal: got %q, want %q", got, want)
	}
}
