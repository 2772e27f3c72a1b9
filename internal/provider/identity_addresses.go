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
	var verified []string
	for _, a := range current {
		if a.Verified {
			verified = append(verified, a.Value)
		}
	}
	return addressesNotIn(want, verified)
}

// addressesNotIn lists the addresses of want that have does not hold, compared as Kratos
// normalises them.
func addressesNotIn(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return identityschema.NormalizeAddress(h) == identityschema.NormalizeAddress(w) }) {
			out = append(out, w)
		}
	}
	return out
}
