package provider

import (
	"slices"
	"strings"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// sortedAddresses returns a copy of addrs ordered by key (their ID), the order GET returns, so
// the state does not depend on which endpoint answered.
func sortedAddresses[T any](addrs []T, key func(T) string) []T {
	out := slices.Clone(addrs)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

// unverified lists the wanted addresses that current does not show verified.
func unverified(want []string, current []kratosclient.VerifiableAddress) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(current, func(a kratosclient.VerifiableAddress) bool {
			return a.Verified && identityschema.NormalizeAddress(a.Value) == identityschema.NormalizeAddress(w)
		}) {
			out = append(out, w)
		}
	}
	return out
}
