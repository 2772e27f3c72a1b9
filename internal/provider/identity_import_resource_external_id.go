package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// memberExternalIDs returns the known, non-empty external_id of each of the members keys.
func memberExternalIDs(members map[string]importMember, keys []string) map[string]string {
	out := map[string]string{}
	for _, key := range keys {
		if ext := members[key].ExternalID; ext != "" {
			out[key] = ext
		}
	}
	return out
}

// checkExternalIDs refuses, on each member's external_id, one that an earlier member of keys (in
// key order) also has and, when Kratos predates external IDs, one of a member about to be sent
// (sent) whose metadata_admin cannot hold it. The Kratos version is read (once per provider
// process) only when one of the members sent sets an external ID; before the provider is
// configured it cannot be, and Create and Update check again.
func checkExternalIDs(ctx context.Context, data *providerData, members map[string]importMember, keys, sent []string, diags *diag.Diagnostics) {
	externalIDs := memberExternalIDs(members, keys)
	if len(externalIDs) == 0 {
		return
	}
	setters := slices.Sorted(maps.Keys(externalIDs))
	firstWith := map[string]string{}
	var duplicates []string
	for _, key := range setters {
		if first, ok := firstWith[externalIDs[key]]; ok {
			if len(duplicates) < importNamedMembers {
				diags.AddAttributeError(path.Root("identities"), "Duplicate external ID",
					fmt.Sprintf("Member %q has external_id %q, as member %q has: Kratos keeps external IDs unique, so at most one of them could be imported. "+
						"Give each member its own external ID.", key, externalIDs[key], first))
			}
			duplicates = append(duplicates, key)
			continue
		}
		firstWith[externalIDs[key]] = key
	}
	addUnnamedCount(diags, "Duplicate external ID", len(duplicates), "have the external_id of an earlier member")

	if data == nil || data.client == nil || nativeExternalIDs(ctx, data, members, sent, diags) {
		return
	}
	// Without external IDs in Kratos, the provider keeps each in the member's admin metadata.
	for _, key := range slices.Sorted(maps.Keys(memberExternalIDs(members, sent))) {
		if _, err := withMarker(members[key].MetadataAdmin, importMarker{}); err != nil {
			diags.AddAttributeError(path.Root("identities"), "Admin metadata cannot hold the external ID",
				fmt.Sprintf("Member %q sets external_id, which this Kratos (before v25.4.0) cannot store itself, so the provider keeps it in the identity's metadata_admin, under %q; "+
					"but %s. Make metadata_admin a JSON object, or remove external_id.", key, importMarkerKey, err))
		}
	}
}

// nativeExternalIDs reports whether Kratos stores external IDs itself (v25.4.0 and later); it
// reads the Kratos version (once per provider process) only when one of the members keys sets an
// external ID, and answers true otherwise, when it does not matter.
func nativeExternalIDs(ctx context.Context, data *providerData, members map[string]importMember, keys []string, diags *diag.Diagnostics) bool {
	if data == nil || data.client == nil || len(memberExternalIDs(members, keys)) == 0 {
		return true
	}
	version, ok := data.serverVersion(ctx, diags)
	return !ok || version.HasExternalID()
}
