package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importNamedMembers is how many members one check of kratos_identity_import gives an error of
// their own, on their attribute; one more error counts the others.
const importNamedMembers = 5

// memberExternalIDs returns the known, non-empty external_id of each of the members keys.
func memberExternalIDs(members map[string]attr.Value, keys []string) map[string]string {
	out := map[string]string{}
	for _, key := range keys {
		obj, ok := members[key].(types.Object)
		if !ok {
			continue
		}
		if ext := stringValue(obj.Attributes()["external_id"]); ext != "" {
			out[key] = ext
		}
	}
	return out
}

// externalIDPath is the path of the member key's external_id.
func externalIDPath(key string) path.Path {
	return path.Root("identities").AtMapKey(key).AtName("external_id")
}

// checkExternalIDs refuses, on each member's external_id, one that an earlier member in key order
// also has, and any at all when Kratos predates external IDs. The Kratos version is read (once per
// provider process) only when one of the members keys sets an external ID; before the provider is
// configured it cannot be, and Create and Update check again.
func (r *identityImportResource) checkExternalIDs(ctx context.Context, members map[string]attr.Value, keys []string, diags *diag.Diagnostics) {
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
				diags.AddAttributeError(externalIDPath(key), "Duplicate external ID",
					fmt.Sprintf("Member %q has external_id %q, as member %q has: Kratos keeps external IDs unique, so at most one of them could be imported. "+
						"Give each member its own external ID.", key, externalIDs[key], first))
			}
			duplicates = append(duplicates, key)
			continue
		}
		firstWith[externalIDs[key]] = key
	}
	addUnnamedCount(diags, "Duplicate external ID", len(duplicates), "have the external_id of an earlier member")

	if r.data == nil || r.data.client == nil {
		return
	}
	version, ok := r.data.serverVersion(ctx, diags)
	if !ok || version.HasExternalID() {
		return
	}
	for _, key := range setters[:min(len(setters), importNamedMembers)] {
		diags.AddAttributeError(externalIDPath(key), "External IDs not supported",
			fmt.Sprintf("Member %q sets external_id, but this Kratos (%s) has no external IDs; %s have them. "+
				"Remove external_id from the members, or upgrade Kratos.", key, version, kratosclient.ExternalIDReleases))
	}
	addUnnamedCount(diags, "External IDs not supported", len(setters), "set external_id too")
}

// addUnnamedCount adds one error that counts the members beyond the first importNamedMembers of
// a check, which have no error of their own.
func addUnnamedCount(diags *diag.Diagnostics, summary string, members int, what string) {
	if members <= importNamedMembers {
		return
	}
	extra, noun := members-importNamedMembers, "members"
	if extra == 1 {
		noun = "member"
	}
	diags.AddAttributeError(path.Root("identities"), summary, fmt.Sprintf("…and %d more %s %s.", extra, noun, what))
}
