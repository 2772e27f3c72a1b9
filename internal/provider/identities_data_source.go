package provider

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ datasource.DataSourceWithConfigure = (*identitiesDataSource)(nil)

// identitiesPageSize is the keyset page size asked of GET /admin/identities. Kratos v1.3.1 sets no
// maximum, v25.4.0 and later serve at most 500; 1000 keeps one page's memory small (a few MB)
// while needing 10 requests per 10,000 identities on v1.3.1. Tests lower it to prove the paging.
var identitiesPageSize = 1000

// loadCredentialsType is sent as include_credential so that Kratos lists each identity's
// credentials (it omits them unless include_credential or an identifier filter is given).
// link_recovery is an internal type no identity holds, so no credential secret is ever returned.
const loadCredentialsType = "link_recovery"

// identitiesDataSource lists identities, walking every page.
type identitiesDataSource struct {
	dataSourceBase
}

// identitiesDataSourceModel is the configuration and result of kratos_identities.
type identitiesDataSourceModel struct {
	CredentialsIdentifier types.String `tfsdk:"credentials_identifier"`
	IDs                   types.List   `tfsdk:"ids"`
	IdentifierPrefix      types.String `tfsdk:"identifier_prefix"`
	State                 types.String `tfsdk:"state"`
	Limit                 types.Int64  `tfsdk:"limit"`
	Identities            types.List   `tfsdk:"identities"`
}

// NewIdentitiesDataSource returns the kratos_identities data source.
func NewIdentitiesDataSource() datasource.DataSource {
	return &identitiesDataSource{dataSourceBase{typeName: "identities"}}
}

// Schema describes the data source.
func (d *identitiesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Lists identities, ordered by ID, walking every page itself (%d identities per request; "+
			"Kratos v25.4.0 and later serve at most 500 a page, and the walk follows every page). "+
			"All filters are optional and combine with AND. Kratos v25.4.0 and later refuse two filters in one request, so on every version "+
			"the provider sends the most selective one (`ids`, 500 to a request, then `credentials_identifier`, then `identifier_prefix`) "+
			"and applies the others to what Kratos returns.", identitiesPageSize),
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
			"ids": schema.ListAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "As input, only the identities with these IDs (UUIDs); IDs that do not exist are skipped. " +
					"As output, the IDs of the identities found, in the order of `identities`.",
				Validators: []validator.List{listvalidator.ValueStringsAre(uuidValidator())},
			},
			"state": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Only the identities in this state. Allowed values: %s. Defaults to all states. "+
					"Kratos cannot filter by state, so all matching pages are still read.", quotedList(identityStates)),
				Validators: []validator.String{stringvalidator.OneOf(identityStates...)},
			},
			"limit": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "The most identities to return; paging stops as soon as that many were found. " +
					"Must be at least 1. Defaults to no limit.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"identities": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The identities found, ordered by ID, each with `id` and the attributes of the `kratos_identity` data source.",
				NestedObject:        schema.NestedAttributeObject{Attributes: identityItemAttributes()},
			},
		},
	}
}

// Read walks the identity pages.
func (d *identitiesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identitiesDataSourceModel
	client := d.configAndClient(ctx, req.Config, &cfg, &resp.Diagnostics)
	var ids []string
	if !cfg.IDs.IsNull() {
		resp.Diagnostics.Append(cfg.IDs.ElementsAs(ctx, &ids, false)...)
	}
	if client == nil || resp.Diagnostics.HasError() {
		return
	}
	limit := cfg.Limit.ValueInt64()
	params := kratosclient.ListIdentitiesParams{
		IDs:                   ids,
		CredentialsIdentifier: cfg.CredentialsIdentifier.ValueString(),
		IdentifierSimilar:     cfg.IdentifierPrefix.ValueString(),
		IncludeCredential:     []string{loadCredentialsType},
		PageSize:              identitiesPageSize,
	}
	state := cfg.State.ValueString()
	if state == "" {
		params.PageSize = pageSize(limit, identitiesPageSize)
	}
	if len(ids) > 0 && len(ids) < params.PageSize {
		params.PageSize = len(ids)
	}
	items, found, diags := listIdentityItems(ctx, client.ListIdentities(ctx, params), state, limit)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The results go into the state as Terraform values, not through State.Set: for 10,000
	// identities the framework's reflection and conversion back and forth took more time than
	// Kratos took to list them.
	cfg.Identities, cfg.IDs = types.ListNull(identityItemObjectType), types.ListNull(types.StringType)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	attrs := map[string]tftypes.Value{}
	if err := resp.State.Raw.As(&attrs); err != nil {
		resp.Diagnostics.AddError("Unable to Store Identities", err.Error())
		return
	}
	attrs["identities"] = tftypes.NewValue(tftypes.List{ElementType: identityItemTerraformType}, items)
	attrs["ids"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, found)
	resp.State.Raw = tftypes.NewValue(resp.State.Raw.Type(), attrs)
}

// listIdentityItems maps the identities of seq in the given state ("" for any), at most limit
// of them (0 for no limit), stopping the paging once it has enough. It returns them as Terraform
// values of identityItemTerraformType, with their IDs: each is converted as soon as it is read, so
// that the framework values of only one identity are alive at a time.
func listIdentityItems(ctx context.Context, seq iter.Seq2[kratosclient.Identity, error], state string, limit int64) (items, ids []tftypes.Value, diags diag.Diagnostics) {
	items, err := kratosclient.CollectMapped(seq, int(limit), func(i *kratosclient.Identity) (tftypes.Value, bool) {
		if state != "" && i.State != state {
			return tftypes.Value{}, false
		}
		item, d := newIdentityItem(ctx, i)
		diags.Append(d...)
		v, err := item.ToTerraformValue(ctx)
		if err != nil {
			diags.AddError("Unable to Store Identities", err.Error())
		}
		ids = append(ids, tftypes.NewValue(tftypes.String, i.ID))
		return v, true
	})
	if err != nil {
		addClientError(&diags, "Unable to List Identities", err)
	}
	return items, ids, diags
}
