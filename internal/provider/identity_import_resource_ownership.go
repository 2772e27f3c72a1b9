package provider

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What kratos_identity_import owns, and how every Terraform operation learns it.
//
// The members whose identity was adopted (found in Kratos, not created) are listed in the
// computed attribute adopted, by key: Terraform hands the state to every operation, while the
// private state does not reach Delete when Terraform replaces a resource (the delete half of a
// replacement gets the private state planned for the new object). The list holds only adopted
// keys, so an import that creates its members adds a few bytes to the state, not bytes per member.
//
// A replacement (a tainted resource, for example after a first apply that failed part-way) never
// deletes: ModifyPlan marks every plan that creates the resource with importReplacementKey in its
// planned private state, which Terraform and OpenTofu give to the Delete of the object being
// replaced, never to a destroy. Delete then leaves the identities in Kratos, and the new object's
// Create recognises each by its external ID or its identical traits and records the same ID.
//
// importAdoptedKey is the private state key under which versions before the adopted attribute
// listed the adopted members; Read moves it into the state.
const importAdoptedKey = "adopted"

// importReplacementKey is the planned private state key that marks a plan creating the resource.
const importReplacementKey = "planned_create"

// adoptedSet is the value of the adopted attribute for the set of keys.
func adoptedSet(keys map[string]bool) types.Set {
	elems := make([]attr.Value, 0, len(keys))
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		elems = append(elems, types.StringValue(key))
	}
	return types.SetValueMust(types.StringType, elems)
}

// readAdopted returns the adopted members: those of the adopted attribute or, in a state that an
// older version wrote without it, those listed in the private state.
func readAdopted(ctx context.Context, adopted types.Set, private privateState, diags *diag.Diagnostics) map[string]bool {
	var keys []string
	if !adopted.IsNull() && !adopted.IsUnknown() {
		for _, v := range adopted.Elements() {
			keys = append(keys, stringValue(v))
		}
	} else if private != nil {
		raw, d := private.GetKey(ctx, importAdoptedKey)
		diags.Append(d...)
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &keys); err != nil {
				diags.AddError("Unreadable private state", "The list of adopted members in the private state is not JSON: "+err.Error()+". This is a bug in the provider; please report it.")
			}
		}
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// privateState is the part of the framework's private state data the resource uses.
type privateState interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
	SetKey(context.Context, string, []byte) diag.Diagnostics
}

// markPlannedCreate marks the planned private state of a plan that creates the resource.
func markPlannedCreate(ctx context.Context, private privateState, diags *diag.Diagnostics) {
	diags.Append(private.SetKey(ctx, importReplacementKey, []byte("true"))...)
}

// isReplacement reports whether a Delete is the first half of a replacement.
func isReplacement(ctx context.Context, private privateState, diags *diag.Diagnostics) bool {
	raw, d := private.GetKey(ctx, importReplacementKey)
	diags.Append(d...)
	return len(raw) > 0
}

// clearPrivate removes the resource's private state keys once the state holds what they said.
func clearPrivate(ctx context.Context, private privateState, diags *diag.Diagnostics) {
	diags.Append(private.SetKey(ctx, importAdoptedKey, nil)...)
	diags.Append(private.SetKey(ctx, importReplacementKey, nil)...)
}
