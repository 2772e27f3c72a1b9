package provider

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// maxDiagnosticBytes is how long a diagnostic of kratos_identity_import may be, summary and detail.
const maxDiagnosticBytes = 1100

// checkShortDiagnostics fails for each diagnostic longer than maxDiagnosticBytes, and unless
// every one of them says how many members it left out.
func checkShortDiagnostics(t *testing.T, diags diag.Diagnostics, want int) {
	t.Helper()
	if len(diags) != want {
		t.Errorf("%d diagnostics, want %d: %v", len(diags), want, diags)
	}
	for _, d := range diags {
		if n := len(d.Summary()) + len(d.Detail()); n > maxDiagnosticBytes {
			t.Errorf("%q is %d bytes long, want at most %d:\n%s", d.Summary(), n, maxDiagnosticBytes, d.Detail())
		}
		if !strings.Contains(d.Detail(), " more") {
			t.Errorf("%q does not say how many members it leaves out:\n%s", d.Summary(), d.Detail())
		}
	}
}

// TestIdentityImportDiagnostics_1200Members keeps every diagnostic about 1200 members short: the
// lists are cut with "…and N more".
func TestIdentityImportDiagnostics_1200Members(t *testing.T) {
	const n = 1200
	res := importResult{adopted: map[string]adoption{}, err: errors.New("connection refused")}
	failed, keys := map[string]error{}, map[string]string{}
	for i := range n {
		key := fmt.Sprintf("user-%04d@legacy.example.test", i)
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		res.adopted[key] = adoption{id: id, identifier: key}
		// One reason shared by many members, and many reasons of one member each.
		reason := "Kratos answered HTTP 400 Bad Request: the traits do not match the schema"
		if i%2 == 0 {
			reason = fmt.Sprintf("its identifier %q is also that of member %q", key, "other-"+key)
		}
		res.failed = append(res.failed, importFailure{key, reason})
		res.unverified = append(res.unverified, importFailure{key, "`" + key + "`"})
		res.unsent = append(res.unsent, key)
		failed[id], keys[id] = errors.New("Kratos answered HTTP 500"), key
	}
	var diags diag.Diagnostics
	res.addDiagnostics(&diags)
	addDeleteErrors(&diags, failed, keys)
	checkShortDiagnostics(t, diags, 5)
	if d := diags.Errors()[0].Detail(); !strings.Contains(d, "- user-0000@legacy.example.test: its identifier") || !strings.Contains(d, "user-0001@legacy.example.test, user-0003") {
		t.Errorf("the refused members are not named by reason:\n%s", d)
	}
}

// TestIdentityImportModifyPlan_1200ChangedMembers keeps the plan's warnings about 1200 changed and
// 1200 removed members short, and refuses 1200 members sharing one external ID with a few errors.
func TestIdentityImportModifyPlan_1200ChangedMembers(t *testing.T) {
	const n = 1200
	ctx := t.Context()
	sresp := importSchema(t)
	priorMembers, priorIDs, members := map[string]importMember{}, map[string]attr.Value{}, map[string]importMember{}
	for i := range n {
		key := fmt.Sprintf("user-%04d", i)
		priorMembers[key] = memberOf(key+"@x.test", "")
		priorMembers["gone-"+key] = memberOf("gone-"+key+"@x.test", "")
		priorIDs[key], priorIDs["gone-"+key] = types.StringValue("id-"+key), types.StringValue("id-gone-"+key)
		members[key] = memberOf(key+"@changed.test", "")
	}
	prior := identityImportModel{
		Identities: importDocument(t, priorMembers), IDs: types.MapValueMust(types.StringType, priorIDs),
		OnConflict: types.StringValue(onConflictAdopt), DeleteOnDestroy: types.BoolValue(false), Adopted: types.SetNull(types.StringType),
		ID: types.StringValue("self"), PendingDeletion: types.MapValueMust(types.StringType, nil),
	}
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if d := state.Set(ctx, &prior); d.HasError() {
		t.Fatal(d)
	}
	plan := importPlan(t, sresp, members)
	resp := fwresource.ModifyPlanResponse{Plan: plan}
	newImportResource(nil).ModifyPlan(ctx, fwresource.ModifyPlanRequest{Plan: plan, State: state, Config: tfsdk.Config(plan)}, &resp)
	checkShortDiagnostics(t, resp.Diagnostics, 2)

	// The same external ID on every member: importNamedMembers errors on attributes, one counting
	// the rest. No provider is configured, so the version is not read.
	for key := range members {
		members[key] = importMember{SchemaID: "default", Traits: memberOf(key+"@x.test", "").Traits, ExternalID: "same"}
	}
	var diags diag.Diagnostics
	checkExternalIDs(ctx, nil, members, slices.Sorted(maps.Keys(members)), nil, &diags)
	if len(diags) != importNamedMembers+1 || diags[importNamedMembers].Detail() != fmt.Sprintf("…and %d more members have the external_id of an earlier member.", n-1-importNamedMembers) {
		t.Errorf("diagnostics for %d members with one external ID: %v", n, diags)
	}
	if !hasAttributeError(diags, `identities`, "Duplicate external ID") {
		t.Errorf("no error on the second member's external_id: %v", diags)
	}
}

// TestImportChunks_kratosLimits splits with the default limits, which are the client's: at most
// 1000 items and 200 cleartext passwords per request, hashes not counted, on every Kratos version.
func TestImportChunks_kratosLimits(t *testing.T) {
	hashed := importItem{size: 200}
	hashed.body.Credentials = &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: "$2a$04$x"}}}
	cleartext := importItem{size: 200}
	cleartext.body.Credentials = &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: "x"}}}
	sizes := func(items []importItem) []int {
		var out []int
		for _, c := range importChunks(items, importChunkLimits) {
			out = append(out, len(c))
		}
		return out
	}
	if got, want := sizes(slices.Repeat([]importItem{hashed}, 2500)), []int{1000, 1000, 500}; !slices.Equal(got, want) {
		t.Errorf("2500 hashes: chunks of %v, want %v", got, want)
	}
	if got, want := sizes(slices.Repeat([]importItem{cleartext}, 450)), []int{200, 200, 50}; !slices.Equal(got, want) {
		t.Errorf("450 cleartext passwords: chunks of %v, want %v", got, want)
	}
	// 300 cleartext, then 900 hashes: the 201st password starts a chunk, which the 900 hashes fill to 1000.
	mixed := slices.Concat(slices.Repeat([]importItem{cleartext}, 300), slices.Repeat([]importItem{hashed}, 900))
	if got, want := sizes(mixed), []int{200, 1000}; !slices.Equal(got, want) {
		t.Errorf("300 cleartext then 900 hashes: chunks of %v, want %v", got, want)
	}
	if importChunkLimits.members != kratosclient.BatchPatchIdentitiesLimit || importChunkLimits.passwords != kratosclient.BatchPatchPasswordLimit {
		t.Errorf("chunk limits %+v differ from the client's", importChunkLimits)
	}
}
