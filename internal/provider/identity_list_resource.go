package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ list.ListResourceWithConfigure = (*identityListResource)(nil)

// NewIdentityListResource returns the kratos_identity list resource, for terraform query.
func NewIdentityListResource() list.ListResource { return &identityListResource{} }

// identityListResource finds existing identities for terraform query (Terraform 1.14 and later).
type identityListResource struct {
	data *providerData
}

// identityListConfigModel is the configuration of a list "kratos_identity" block.
type identityListConfigModel struct {
	CredentialsIdentifier types.String `tfsdk:"credentials_identifier"`
	IdentifierPrefix      types.String `tfsdk:"identifier_prefix"`
	SchemaID              types.String `tfsdk:"schema_id"`
	State                 types.String `tfsdk:"state"`
}

// displayCredentialTypes are the credential types whose identifiers name an identity in query
// results, in order of preference: login identifiers first, social sign-ins last.
var displayCredentialTypes = []string{"password", "code", "webauthn", "passkey", "oidc"}

// Metadata names the list resource after the resource it lists.
func (r *identityListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (r *identityListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ListResourceConfigSchema describes the filters of the list block.
func (r *identityListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds existing identities for `terraform query` (Terraform 1.14 and later), ordered by ID, " +
			fmt.Sprintf("walking every page itself (%d identities per request). ", identitiesPageSize) +
			"Each result carries the identity's ID as its resource identity and, as its display name, its first login identifier " +
			"(the identity's ID when it has none). With `include_resource = true`, or with `terraform query -generate-config-out`, " +
			"each result also carries the identity as the `kratos_identity` resource reads it after an import, so the generated " +
			"configuration and import blocks adopt the identities without changes. " +
			"All filters are optional and combine with AND; the list block's `limit` (100 by default) caps the results.",
		Attributes: map[string]schema.Attribute{
			"credentials_identifier": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only the identities with this credentials identifier: a login identifier such as an email or " +
					"username (matched case-insensitively) or `provider:subject` for social sign-in (matched exactly). " +
					"Conflicts with `identifier_prefix`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRoot("identifier_prefix")),
				},
			},
			"identifier_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only the identities with a credentials identifier that starts with this text " +
					"(Kratos's experimental similar-identifier search). Conflicts with `credentials_identifier`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"schema_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only the identities whose traits follow this identity schema. Defaults to every schema. " +
					"Kratos cannot filter by schema, so all matching pages are still read.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"state": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Only the identities in this state. Allowed values: %s. Defaults to all states. "+
					"Kratos cannot filter by state, so all matching pages are still read.", quotedList(identityStates)),
				Validators: []validator.String{stringvalidator.OneOf(identityStates...)},
			},
		},
	}
}

// List streams the identities that match the filters, reading pages only as results are taken.
func (r *identityListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg identityListConfigModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &cfg)...)
	client := r.data.clientOrError(&diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	params := kratosclient.ListIdentitiesParams{
		CredentialsIdentifier: cfg.CredentialsIdentifier.ValueString(),
		IdentifierSimilar:     cfg.IdentifierPrefix.ValueString(),
		IncludeCredential:     []string{loadCredentialsType},
		PageSize:              identitiesPageSize,
	}
	if cfg.SchemaID.IsNull() && cfg.State.IsNull() {
		// Every identity Kratos returns is a result: a small limit needs one small page.
		params.PageSize = pageSize(req.Limit, identitiesPageSize)
	}
	stream.Results = func(push func(list.ListResult) bool) {
		var found int64
		for identity, err := range client.ListIdentities(ctx, params) {
			if err != nil {
				var d diag.Diagnostics
				addClientError(&d, "Unable to List Identities", err)
				push(list.ListResult{Diagnostics: d})
				return
			}
			if !cfg.matches(&identity) {
				continue
			}
			if !push(identityListResult(ctx, req, &identity)) {
				return
			}
			found++
			if req.Limit > 0 && found >= req.Limit {
				return
			}
		}
	}
}

// matches applies the filters Kratos cannot apply itself.
func (c *identityListConfigModel) matches(identity *kratosclient.Identity) bool {
	return (c.SchemaID.IsNull() || identity.SchemaID == c.SchemaID.ValueString()) &&
		(c.State.IsNull() || identity.State == c.State.ValueString())
}

// identityListResult maps one identity to a query result: its identity and display name and, when
// asked for, the state kratos_identity's Read records after an import (login unset), so that
// configuration generated from it plans no change.
func identityListResult(ctx context.Context, req list.ListRequest, identity *kratosclient.Identity) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = identityDisplayName(identity)
	result.Diagnostics.Append(setResourceIdentity(ctx, result.Identity, identity.ID)...)
	if req.IncludeResource {
		var model identityResourceModel
		result.Diagnostics.Append(model.fill(ctx, identity, false)...)
		result.Diagnostics.Append(result.Resource.Set(ctx, &model)...)
	}
	return result
}

// identityDisplayName names an identity as a person knows it: its first credential identifier, by
// displayCredentialTypes and then alphabetically, or its ID when it has none.
func identityDisplayName(identity *kratosclient.Identity) string {
	for _, typ := range displayCredentialTypes {
		ids := slices.DeleteFunc(slices.Clone(identity.Credentials[typ].Identifiers), func(s string) bool { return s == "" })
		if len(ids) > 0 {
			return slices.Min(ids)
		}
	}
	return identity.ID
}
