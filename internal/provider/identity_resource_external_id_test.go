package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// hasExternalIDs reports whether the Kratos under test has external IDs (v26), as the provider reads it.
func hasExternalIDs() bool { return kratostest.Version() != kratostest.V1 }

// unsupportedExternalID matches the plan-time error of a Kratos without external IDs.
var unsupportedExternalID = expectError("External IDs not supported", kratosclient.ExternalIDReleases)

// uniqueExternalID returns an external ID that no other test uses.
func uniqueExternalID(prefix string) string { return prefix + "-" + uuid.NewString() }

// createIdentityRaw creates an identity with a raw admin API request, so that fields the client
// does not send (organization_id) can be set; it returns the identity's ID and deletes it when
// the test ends.
func createIdentityRaw(t *testing.T, body map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, testKratos.AdminURL+"/admin/identities", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /admin/identities: %d %s", resp.StatusCode, answer)
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(answer, &created); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := testClient(t).DeleteIdentity(context.Background(), created.ID); err != nil && !kratosclient.IsNotFound(err) {
			t.Errorf("delete identity %s: %v", created.ID, err)
		}
	})
	return created.ID
}

// setExternalID sets (or, with "", removes) the external ID of identity *id through the admin
// API, as another client would; id is read when the returned function runs.
func setExternalID(t *testing.T, id *string, externalID string) func() {
	return func() {
		value := json.RawMessage("null")
		if externalID != "" {
			value, _ = json.Marshal(externalID)
		}
		if _, err := testClient(t).PatchIdentity(t.Context(), *id, []kratosclient.PatchOp{{Op: "replace", Path: "/external_id", Value: value}}); err != nil {
			t.Fatalf("set external_id of %s: %v", *id, err)
		}
	}
}

// rememberIdentityID is a check that stores the test identity's ID in *id.
func rememberIdentityID(id *string) resource.TestCheckFunc {
	return func(s *terraform.State) (err error) {
		*id, err = identityID(s)
		return err
	}
}

// externalIDIs checks through the API that the test identity's external ID is want ("" for none).
func externalIDIs(t *testing.T, want string) resource.TestCheckFunc {
	return checkIdentity(t, func(id *kratosclient.Identity) error {
		if got := derefString(id.ExternalID); got != want {
			return fmt.Errorf("external_id in Kratos = %q, want %q", got, want)
		}
		return nil
	})
}

// stringOrNull is a state check value: want, or null when want is "".
func stringOrNull(want string) knownvalue.Check {
	if want == "" {
		return knownvalue.Null()
	}
	return knownvalue.StringExact(want)
}

// TestAccIdentityExternalID_lifecycle sets, changes, removes and adopts an external ID. On v26 it
// is set on create, changed in place with one JSON Patch, drift is shown exactly, removing it from
// the configuration removes it, a value set outside Terraform while unmanaged is kept, and import
// by external_id:<value> finds the identity. On v1.3.1 configuring one is a plan-time error, and
// a configuration without one never reads the version.
func TestAccIdentityExternalID_lifecycle(t *testing.T) {
	env := newIdentityEnv(t)
	email, renamed := randomEmail("extid"), randomEmail("extid-renamed")
	first, second, outside, adopted := uniqueExternalID("first"), uniqueExternalID("second"), uniqueExternalID("outside"), uniqueExternalID("adopted")
	var id string
	cfgAs := func(email, externalID string) string {
		line := ""
		if externalID != "" {
			line = fmt.Sprintf("external_id = %q", externalID)
		}
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = %q })
  %s
}
`, email, line))
	}
	cfg := func(externalID string) string { return cfgAs(email, externalID) }
	externalIDState := func(want string) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("external_id"), stringOrNull(want))}
	}

	if !hasExternalIDs() {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkIdentityDestroyed(t),
			Steps: []resource.TestStep{
				{Config: cfg(first), ExpectError: unsupportedExternalID},
				{
					// Without external_id nothing asks for the version.
					PreConfig: env.reset,
					Config:    cfg(""),
					Check: resource.ComposeAggregateTestCheckFunc(
						env.expectRequests(map[string]int{"GET /version": 0, "POST /admin/identities": 1}),
						externalIDIs(t, ""),
						checkIdentity(t, func(id *kratosclient.Identity) error {
							if id.OrganizationID != nil {
								return fmt.Errorf("organization_id in Kratos = %q, want none", *id.OrganizationID)
							}
							return nil
						}),
					),
					// The resource no longer reports organization_id (the data source does): Kratos holds none.
					ConfigStateChecks: externalIDState(""),
				},
				{Config: cfg(first), ExpectError: unsupportedExternalID},
				{
					ResourceName:  identityAddr,
					ImportState:   true,
					ImportStateId: "external_id:" + first,
					ExpectError:   unsupportedExternalID,
				},
			},
		})
		return
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            cfg(first),
				ConfigStateChecks: externalIDState(first),
				Check:             resource.ComposeAggregateTestCheckFunc(rememberIdentityID(&id), externalIDIs(t, first)),
			},
			{
				// Changed in place with one JSON Patch, no full update.
				PreConfig: env.reset,
				Config:    cfg(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: externalIDState(second),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PATCH /admin/identities": 1, "PUT /admin/identities": 0}),
					externalIDIs(t, second),
				),
			},
			{
				// Changed outside Terraform: the refresh shows the exact value, and the plan sets it back.
				PreConfig: setExternalID(t, &id, outside),
				Config:    cfg(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate),
					expectAttributeChange{attribute: "external_id", before: outside, after: second},
				}},
				ConfigStateChecks: externalIDState(second),
				Check:             externalIDIs(t, second),
			},
			{
				// Removed from the configuration that set it: removed from the identity.
				Config:            cfg(""),
				ConfigStateChecks: externalIDState(""),
				Check:             externalIDIs(t, ""),
			},
			{
				// Set outside Terraform while the configuration does not set it: kept, no difference.
				PreConfig: setExternalID(t, &id, adopted),
				Config:    cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: externalIDState(adopted),
				Check:             externalIDIs(t, adopted),
			},
			{
				// A traits change does not touch the unmanaged value.
				Config:            cfgAs(renamed, ""),
				ConfigStateChecks: externalIDState(adopted),
				Check:             externalIDIs(t, adopted),
			},
			{
				ResourceName:      identityAddr,
				ImportState:       true,
				ImportStateId:     "external_id:" + adopted,
				ImportStateVerify: true,
			},
			{
				ResourceName:  identityAddr,
				ImportState:   true,
				ImportStateId: "external_id:" + uniqueExternalID("nobody"),
				ExpectError:   expectError("Identity not found", "No identity has the external ID"),
			},
		},
	})
}

// expectAttributeChange is a plan check that the planned update of the test identity changes a
// string attribute from before to after.
type expectAttributeChange struct{ attribute, before, after string }

// CheckPlan implements plancheck.PlanCheck.
func (c expectAttributeChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != identityAddr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		if before[c.attribute] != c.before || after[c.attribute] != c.after {
			resp.Error = fmt.Errorf("plan changes %s from %v to %v, want %q to %q", c.attribute, before[c.attribute], after[c.attribute], c.before, c.after)
		}
		return
	}
	resp.Error = fmt.Errorf("no change planned for %s", identityAddr)
}

// TestAccIdentityExternalID_conflict proves that a 409 on create and on update names the identity
// that already holds the external ID, on the external_id attribute (v26), and that v1.3.1 refuses
// the attribute at plan time.
func TestAccIdentityExternalID_conflict(t *testing.T) {
	taken := uniqueExternalID("taken")
	mine := uniqueExternalID("mine")
	email := randomEmail("extid-conflict")
	cfg := func(externalID string) string {
		return fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id   = "minimal"
  traits      = jsonencode({ email = %q })
  external_id = %q
}
`, email, externalID)
	}
	if !hasExternalIDs() {
		testAccRun(t, []resource.TestStep{{Config: cfg(taken), ExpectError: unsupportedExternalID}})
		return
	}
	holder := seedIdentity(t, kratosclient.CreateIdentityBody{
		SchemaID:   "minimal",
		Traits:     json.RawMessage(fmt.Sprintf(`{"email":%q}`, randomEmail("holder"))),
		ExternalID: taken,
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg(taken), ExpectError: expectError("external_id already taken", holder.ID, taken)},
			{Config: cfg(mine), Check: externalIDIs(t, mine)},
			{Config: cfg(taken), ExpectError: expectError("external_id already taken", holder.ID, taken)},
			{Config: cfg(mine), Check: externalIDIs(t, mine)},
		},
	})
}

// TestAccIdentityExternalID_fullUpdateKeepsFields proves that the updates of kratos_identity keep
// what the configuration does not manage: an identity made outside Terraform with an external ID
// and an organization is adopted by a configuration that sets neither, then a password change, a
// state change, a schema change and a linked social sign-in each leave both in place (the
// password and the sign-in go through a full update). On v1.3.1 the identity has neither field
// and the same updates succeed. It also times the read that precedes each full update.
func TestAccIdentityExternalID_fullUpdateKeepsFields(t *testing.T) {
	testAccPreCheck(t)
	email := randomEmail("keep")
	externalID, organizationID := uniqueExternalID("keep"), uuid.NewString()
	body := map[string]any{
		"schema_id": "default",
		"traits":    map[string]any{"email": email},
	}
	if hasExternalIDs() {
		body["external_id"], body["organization_id"] = externalID, organizationID
	}
	id := createIdentityRaw(t, body)
	if !hasExternalIDs() {
		externalID, organizationID = "", ""
	}
	cfg := func(schemaID, state, password, providers string) string {
		return fmt.Sprintf(`
import {
  to = kratos_identity.test
  id = %q
}

resource "kratos_identity" "test" {
  schema_id = %q
  traits    = jsonencode({ email = %q })
  state     = %q
  login = {
    password       = %q
    oidc_providers = [%s]
  }
}
`, id, schemaID, email, state, password, providers)
	}
	kept := func() resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			checkIdentity(t, func(got *kratosclient.Identity) error {
				if derefString(got.ExternalID) != externalID || derefString(got.OrganizationID) != organizationID {
					return fmt.Errorf("after the update external_id = %q and organization_id = %q, want %q and %q",
						derefString(got.ExternalID), derefString(got.OrganizationID), externalID, organizationID)
				}
				return nil
			}),
			resource.TestCheckResourceAttr(identityAddr, "id", id),
		)
	}
	// The resource no longer reports organization_id; kept checks it in Kratos.
	keptState := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("external_id"), stringOrNull(externalID)),
	}
	github := fmt.Sprintf(`{ provider = "github", subject = %q }`, email)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				// Adopted, and the password set: one full update.
				Config:            cfg("default", "active", "first-password-1234", ""),
				ConfigStateChecks: keptState,
				Check:             resource.ComposeAggregateTestCheckFunc(kept(), checkLogin(t, email, "first-password-1234", true)),
			},
			{
				Config:            cfg("default", "active", "second-password-5678", ""),
				ConfigStateChecks: keptState,
				Check:             resource.ComposeAggregateTestCheckFunc(kept(), checkLogin(t, email, "second-password-5678", true)),
			},
			{Config: cfg("default", "inactive", "second-password-5678", ""), ConfigStateChecks: keptState, Check: kept()},
			{Config: cfg("minimal", "inactive", "second-password-5678", ""), ConfigStateChecks: keptState, Check: kept()},
			{Config: cfg("minimal", "inactive", "second-password-5678", github), ConfigStateChecks: keptState, Check: kept()},
			{
				Config: cfg("minimal", "inactive", "second-password-5678", github),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	measureReadBeforeFullUpdate(t)
}

// measureReadBeforeFullUpdate logs how long the read before a full update takes next to the full
// update itself, on an identity of the shared Kratos: the cost of keeping unmanaged fields.
func measureReadBeforeFullUpdate(t *testing.T) {
	t.Helper()
	client := testClient(t)
	identity := seedPasswordIdentity(t, randomEmail("measure"))
	const rounds = 20
	var read, write time.Duration
	for i := range rounds {
		start := time.Now()
		held, err := client.GetIdentity(t.Context(), identity.ID)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := kratosclient.UnmanagedFields(held.Raw)
		if err != nil {
			t.Fatal(err)
		}
		read += time.Since(start)
		start = time.Now()
		_, err = client.UpdateIdentity(t.Context(), identity.ID, kratosclient.UpdateIdentityBody{
			Traits: identity.Traits, State: "active", Kept: kept,
			Credentials: &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{
				Config: kratosclient.PasswordImportConfig{Password: fmt.Sprintf("measured-password-%04d", i)},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		write += time.Since(start)
	}
	t.Logf("Kratos %s: read before a full update %v on average, the full update (cleartext password) %v (%d rounds)",
		kratostest.Version(), read/rounds, write/rounds, rounds)
}

// TestIdentityChangesExternalID decides what an update sends for external_id: nothing when the
// plan keeps it, the new value when it changes, a removal (null) when a managed value is dropped.
func TestIdentityChangesExternalID(t *testing.T) {
	t.Parallel()
	model := func(externalID types.String) *identityResourceModel {
		m := &identityResourceModel{ID: types.StringValue("i")}
		m.SchemaID, m.State, m.Traits = types.StringValue("minimal"), types.StringValue("active"), newJSONValue(`{"email":"a@x.io"}`)
		m.MetadataPublic, m.MetadataAdmin = newJSONNull(), newJSONNull()
		m.Login = types.ObjectNull(identityLoginAttrTypes)
		m.ExternalID = externalID
		return m
	}
	tests := []struct {
		name         string
		prior, plan  types.String
		wantOps      string
		wantExternal *string
	}{
		{name: "kept", prior: types.StringValue("a"), plan: types.StringValue("a")},
		{name: "both null", prior: types.StringNull(), plan: types.StringNull()},
		{name: "set", prior: types.StringNull(), plan: types.StringValue("b"),
			wantOps: `[{"op":"replace","path":"/external_id","value":"b"}]`, wantExternal: stringPtr("b")},
		{name: "changed", prior: types.StringValue("a"), plan: types.StringValue("b"),
			wantOps: `[{"op":"replace","path":"/external_id","value":"b"}]`, wantExternal: stringPtr("b")},
		{name: "removed", prior: types.StringValue("a"), plan: types.StringNull(),
			wantOps: `[{"op":"replace","path":"/external_id","value":null}]`, wantExternal: stringPtr("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan := model(tt.plan)
			c, diags := computeIdentityChanges(t.Context(), model(tt.prior), plan, plan)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if (c.externalID == nil) != (tt.wantExternal == nil) || (c.externalID != nil && *c.externalID != *tt.wantExternal) {
				t.Errorf("externalID = %v, want %v", derefString(c.externalID), derefString(tt.wantExternal))
			}
			ops := c.externalIDOps()
			got := ""
			if ops != nil {
				b, _ := json.Marshal(ops)
				got = string(b)
			}
			if got != tt.wantOps {
				t.Errorf("ops = %s, want %s", got, tt.wantOps)
			}
			if len(c.patch) > 0 || c.credentials != nil {
				t.Errorf("an external_id change sends only itself: patch %v, credentials %v", c.patch, c.credentials)
			}
		})
	}
}

// TestExternalIDPlan plans an omitted external_id: null on create, the prior value when the
// configuration never set it (no private state), and the configuration whenever it sets one.
func TestExternalIDPlan(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var sresp fwresource.SchemaResponse
	(&identityResource{}).Schema(ctx, fwresource.SchemaRequest{}, &sresp)
	_, nulls := configValue(t, sresp.Schema.Type().TerraformType(ctx), nil)
	existing := tfsdk.State{Schema: sresp.Schema, Raw: nulls}
	created := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	tests := []struct {
		name          string
		state         tfsdk.State
		config, prior types.String
		want          types.String
	}{
		{name: "create, omitted", state: created, config: types.StringNull(), prior: types.StringNull(), want: types.StringNull()},
		{name: "never configured", state: existing, config: types.StringNull(), prior: types.StringValue("hook"), want: types.StringValue("hook")},
		{name: "configured", state: existing, config: types.StringValue("x"), prior: types.StringValue("hook"), want: types.StringValue("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := planmodifier.StringRequest{State: tt.state, ConfigValue: tt.config, StateValue: tt.prior, PlanValue: tt.config}
			if tt.config.IsNull() {
				req.PlanValue = types.StringUnknown()
			}
			resp := planmodifier.StringResponse{PlanValue: req.PlanValue}
			externalIDPlan{}.PlanModifyString(ctx, req, &resp)
			if resp.Diagnostics.HasError() || !resp.PlanValue.Equal(tt.want) {
				t.Errorf("plan %s (%v), want %s", resp.PlanValue, resp.Diagnostics, tt.want)
			}
		})
	}
}

// TestAccIdentityExternalID_dataSources reads external_id and organization_id through the
// kratos_identity data source (by ID and, on v26, by external ID) and kratos_identities; on v1.3.1
// both are null and the lookup by external ID is an error naming the releases that have it.
func TestAccIdentityExternalID_dataSources(t *testing.T) {
	testAccPreCheck(t)
	externalID, organizationID := uniqueExternalID("ds"), uuid.NewString()
	body := map[string]any{"schema_id": "minimal", "traits": map[string]any{"email": randomEmail("extid-ds")}}
	if hasExternalIDs() {
		body["external_id"], body["organization_id"] = externalID, organizationID
	}
	id := createIdentityRaw(t, body)
	byID := fmt.Sprintf(`
data "kratos_identity" "by_id" {
  id = %q
}

data "kratos_identities" "one" {
  ids = [%q]
}
`, id, id)
	byExternalID := func(externalID string) string {
		return fmt.Sprintf("data \"kratos_identity\" \"by_external_id\" {\n  external_id = %q\n}\n", externalID)
	}
	if !hasExternalIDs() {
		testAccRun(t, []resource.TestStep{
			{
				Config: byID,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kratos_identity.by_id", tfjsonpath.New("external_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.kratos_identity.by_id", tfjsonpath.New("organization_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.kratos_identities.one", tfjsonpath.New("identities").AtSliceIndex(0).AtMapKey("external_id"), knownvalue.Null()),
				},
			},
			{Config: byExternalID(externalID), ExpectError: unsupportedExternalID},
		})
		return
	}
	both := func(address string, at tfjsonpath.Path) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(address, at.AtMapKey("external_id"), knownvalue.StringExact(externalID)),
			statecheck.ExpectKnownValue(address, at.AtMapKey("organization_id"), knownvalue.StringExact(organizationID)),
		}
	}
	var checks []statecheck.StateCheck
	checks = append(checks, statecheck.ExpectKnownValue("data.kratos_identity.by_external_id", tfjsonpath.New("id"), knownvalue.StringExact(id)))
	checks = append(checks, both("data.kratos_identity.by_external_id", tfjsonpath.Path{})...)
	checks = append(checks, both("data.kratos_identity.by_id", tfjsonpath.Path{})...)
	checks = append(checks, both("data.kratos_identities.one", tfjsonpath.New("identities").AtSliceIndex(0))...)
	testAccRun(t, []resource.TestStep{
		{Config: byID + byExternalID(externalID), ConfigStateChecks: checks},
		{Config: byExternalID(uniqueExternalID("nobody")), ExpectError: expectError("Identity not found", "No identity has the external ID")},
	})
}

// stringPtr returns a pointer to s.
func stringPtr(s string) *string { return &s }

// TestAccIdentityExternalID_lostCreateResponse loses the answer to a create that carried an
// external ID: on v26 the identity Kratos created is found with one lookup by that external ID
// (no identifier search) and adopted; on v1.3.1 the configuration fails at plan time.
func TestAccIdentityExternalID_lostCreateResponse(t *testing.T) {
	env := newIdentityEnv(t)
	email, externalID := randomEmail("extid-lost"), uniqueExternalID("lost")
	config := env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id   = "minimal"
  traits      = jsonencode({ email = %q })
  external_id = %q
}
`, email, externalID))
	if !hasExternalIDs() {
		testAccRun(t, []resource.TestStep{{Config: config, ExpectError: unsupportedExternalID}})
		return
	}
	isCreate := func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/admin/identities" }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.reset()
				env.admin.dropNext(lossAfterKratos, isCreate)
			},
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				env.expectRequests(map[string]int{
					"POST /admin/identities":                          1,
					"GET /admin/identities/by/external/" + externalID: 1,
				}),
				func(s *terraform.State) error {
					if env.admin.droppedCount() != 1 {
						return fmt.Errorf("the proxy should have lost 1 answer, lost %d", env.admin.droppedCount())
					}
					// The proxy records paths without queries: a list request is a GET of /admin/identities itself.
					if env.admin.count(http.MethodGet, "/admin/identities") > env.admin.count(http.MethodGet, "/admin/identities/") {
						return fmt.Errorf("an identifier search was sent although the external ID found the identity:\n%s", env.admin.recorded())
					}
					return nil
				},
				externalIDIs(t, externalID),
			),
		}},
	})
}
