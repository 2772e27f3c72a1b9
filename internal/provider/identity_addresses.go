package provider

import (
	"slices"
	"strings"
)

// sortedAddresses returns a copy of addrs ordered by key (their ID), the order GET returns, so
// the state does not depend on which endpoint answered.
func sortedAddresses[T any](addrs []T, key func(T) string) []T {
	out := slices.Clone(addrs)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}
