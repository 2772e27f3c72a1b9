package provider

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// The diagnostics of kratos_identity_import. Each names the members it is about, but a list of
// members is cut short ("…and 743 more") so that no diagnostic grows past about 1 KB, whatever the
// number of members: Terraform prints every diagnostic whole, and CI logs keep them.
//
// importListBytes bounds the list of members or identities in one diagnostic.
const importListBytes = 600

// importKeysPerLineBytes bounds the member keys on one line of a list that groups members by reason.
const importKeysPerLineBytes = 150

// importLineBytes bounds one line of a list.
const importLineBytes = 350

// shortList joins items with sep while they fit in limit bytes and says how many are left out
// ("…and 743 more"). The first item is always shown, clipped to limit.
func shortList(items []string, sep string, limit int) string {
	var b strings.Builder
	for i, item := range items {
		if i > 0 && b.Len()+len(sep)+len(item) > limit {
			fmt.Fprintf(&b, "%s…and %d more", sep, len(items)-i)
			break
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(clip(item, limit))
	}
	return b.String()
}

// clip cuts s to at most limit bytes, on a character boundary, marking the cut with "…".
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// addDeleteErrors reports the identities that could not be deleted, by member.
func addDeleteErrors(diags *diag.Diagnostics, failed map[string]error, keys map[string]string) {
	if len(failed) == 0 {
		return
	}
	var lines []string
	for _, id := range slices.Sorted(maps.Keys(failed)) {
		lines = append(lines, clip(fmt.Sprintf("- %s (identity %s): %s", keys[id], id, describeClientError(failed[id])), importLineBytes))
	}
	diags.AddError("Unable to Delete Imported Identities",
		fmt.Sprintf("%s could not be deleted; they stay recorded, and the next apply tries again:\n%s",
			countIdentities(len(failed)), shortList(lines, "\n", importListBytes)))
}

// addDiagnostics reports what an import did not do as it should: adopted identities and
// unverified addresses as warnings; refused and unsent members as errors.
func (r importResult) addDiagnostics(diags *diag.Diagnostics) {
	if len(r.adopted) > 0 {
		var lines []string
		for _, key := range slices.Sorted(maps.Keys(r.adopted)) {
			a := r.adopted[key]
			lines = append(lines, clip(fmt.Sprintf("- %s: identity %s, which has %q", key, a.id, a.identifier), importLineBytes))
		}
		diags.AddWarning("Existing Identities Adopted",
			fmt.Sprintf("For %s, another identity already had one of its login identifiers, so it was not created: ids records that identity, "+
				"which was left unchanged (its traits and password are not overwritten):\n%s\n\n"+
				"Set on_conflict = %q to refuse such members instead.", countMembers(len(r.adopted)), shortList(lines, "\n", importListBytes), onConflictFail))
	}
	if len(r.unverified) > 0 {
		diags.AddWarning("Addresses Not Verified",
			"Kratos created these members without verifying some of their verified_addresses, because the traits do not produce those addresses "+
				"through the identity schema's verification settings:\n"+failureLines(r.unverified)+"\n\n"+
				"The import does not update identities: let the users verify their addresses through Kratos's verification flow, "+
				"or manage the identity with kratos_identity (import it by its ID from ids).")
	}
	if len(r.unclaimed) > 0 {
		diags.AddWarning("Identities Not Claimed",
			"These members were recorded under an identity that already existed, but the provider could not write this resource's id into its metadata_admin, "+
				"so another kratos_identity_import that held the identity before could still delete it (with delete_on_destroy):\n"+failureLines(r.unclaimed))
	}
	if len(r.failed) > 0 {
		diags.AddError(fmt.Sprintf("Unable to Import %s", plural(len(r.failed), "Member")),
			fmt.Sprintf("Kratos did not create %s of identities (the others were imported and are recorded in ids):\n%s\n\n"+
				"Fix these members and apply again: members already imported are not sent again.", countMembers(len(r.failed)), failureLines(r.failed)))
	}
	if r.err != nil {
		diags.AddError("Import Interrupted",
			fmt.Sprintf("The import stopped: %s\n\n%s were not imported, or Kratos's answer about them was lost: %s. "+
				"Members imported before are recorded in ids. The next apply looks these members up and sends those Kratos does not have, without duplicates.",
				clip(describeClientError(r.err), importLineBytes), countMembers(len(r.unsent)), shortList(r.unsent, ", ", importKeysPerLineBytes)))
	}
}

// failureLines renders failures one per line, grouping the members that share a reason.
func failureLines(failures []importFailure) string {
	byReason := map[string][]string{}
	for _, f := range failures {
		byReason[f.reason] = append(byReason[f.reason], f.key)
	}
	lines := make([]string, 0, len(byReason))
	for reason, keys := range byReason {
		slices.Sort(keys)
		lines = append(lines, clip(fmt.Sprintf("- %s: %s", shortList(keys, ", ", importKeysPerLineBytes), reason), importLineBytes))
	}
	slices.Sort(lines)
	return shortList(lines, "\n", importListBytes)
}

// addGoneWarning names the members whose identity was deleted in Kratos after they were imported.
func addGoneWarning(gone []string, diags *diag.Diagnostics) {
	if len(gone) == 0 {
		return
	}
	slices.Sort(gone)
	diags.AddWarning("Imported Identities Deleted in Kratos",
		fmt.Sprintf("%s no longer in Kratos: %s. Their identities were deleted outside Terraform after this resource imported them, "+
			"and this apply does not create them again (a deletion in Kratos is usually a user's or an administrator's decision); they stay out of ids. "+
			"To create one again, remove it from identities for one apply and add it back, or rename its key.",
			memberCountVerb(len(gone)), shortList(gone, ", ", importListBytes)))
}

// memberCountVerb renders "1 member is" or "N members are".
func memberCountVerb(n int) string {
	if n == 1 {
		return "1 member is"
	}
	return countMembers(n) + " are"
}

// addRemovalWarnings says what an apply does with the members removed from identities and with
// the identities pending deletion since an earlier apply.
func addRemovalWarnings(removed []string, pending types.Map, deleteOnDestroy bool, diags *diag.Diagnostics) {
	if len(removed) > 0 {
		if deleteOnDestroy {
			diags.AddWarning("Removed Members Deleted on the Next Apply",
				fmt.Sprintf("%s removed from identities: %s. With delete_on_destroy, the identities this resource created for them are recorded in pending_deletion "+
					"and deleted by the next apply, unless another kratos_identity_import records them first (a member moved there keeps its identity). "+
					"Adopted identities are never deleted.", countMembers(len(removed)), shortList(removed, ", ", importListBytes)))
		} else {
			diags.AddWarning("Removed Members Stay in Kratos",
				fmt.Sprintf("%s removed from identities: %s. Their identities stay in Kratos, because delete_on_destroy is false; "+
					"only this resource's record of them goes. To delete them instead, set delete_on_destroy = true in the same apply.", countMembers(len(removed)), shortList(removed, ", ", importListBytes)))
		}
	}
	due := pending.Elements()
	if len(due) == 0 {
		return
	}
	lines := make([]string, 0, len(due))
	for _, key := range slices.Sorted(maps.Keys(due)) {
		lines = append(lines, fmt.Sprintf("%s (identity %s)", key, stringValue(due[key])))
	}
	if deleteOnDestroy {
		diags.AddWarning("Identities of Removed Members Deleted",
			fmt.Sprintf("This apply deletes the identities of %s removed by an earlier apply: %s. An identity that another kratos_identity_import has recorded since "+
				"(its member moved there) is not deleted. To keep them all, set delete_on_destroy = false in this apply.", countMembers(len(due)), shortList(lines, ", ", importListBytes)))
	} else {
		diags.AddWarning("Pending Deletions Cancelled",
			fmt.Sprintf("delete_on_destroy is now false, so the identities of %s removed earlier stay in Kratos: %s.", countMembers(len(due)), shortList(lines, ", ", importListBytes)))
	}
}

// countMembers renders "1 member" or "N members".
func countMembers(n int) string { return plural(n, "member") }

// countIdentities renders "1 identity" or "N identities".
func countIdentities(n int) string {
	if n == 1 {
		return "1 identity"
	}
	return fmt.Sprintf("%d identities", n)
}

// plural renders n and the noun, with an s when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// batchItemReason renders the error Kratos gave one item of a batch.
func batchItemReason(e *kratosclient.BatchItemError) string {
	detail := e.Reason
	if detail == "" {
		detail = e.Message
	}
	return fmt.Sprintf("Kratos answered HTTP %d %s: %s", e.Code, http.StatusText(e.Code), detail)
}

// apiErrorReason renders a whole-request refusal that concerns one item.
func apiErrorReason(err error) string {
	var apiErr *kratosclient.APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("Kratos answered HTTP %d %s: %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Detail())
	}
	return err.Error()
}
