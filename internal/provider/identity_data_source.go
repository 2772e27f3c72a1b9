package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ datasource.DataSourceWithConfigure        = (*identityDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*identityDataSource)(nil)
)

// includeCredentialValues are the credential types whose configuration Kratos can return.
var includeCredentialValues = []string{"password", "oidc", "totp", "lookup_secret", "webauthn", "code", "passkey"}

// identityDataSource reads one identity by ID or by credentials identifier.
type identityDataSource struct {
	dataSourceBase
}

// identityDataSourceModel is the configuration and result of kratos_identity.
type identityDataSourceModel struct {
	ID                    types.String `tfsdk:"id"`
	CredentialsIdentifier types.String `tfsdk:"credentials_identifier"`
	IncludeCredential     types.Set    `tfsdk:"include_credential"`
	CredentialsConfig     types.Map    `tfsdk:"credentials_config"`
	identityReadSide
}

// NewIdentityDataSource returns the kratos_identity data source.
func NewIdentityDataSource() datasource.DataSource {
	return &identityDataSource{dataSourceBase{typeName: "identity"}}
}

// Schema describes the data source.
func (d *identityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := identityReadSideAttributes()
	attrs["id"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "The ID (a UUID) of the identity to read. Exactly one of `id`, `credentials_identifier` and `external_id` must be set; " +
			"when another is, this is the ID of the identity found.",
		Validators: []validator.String{uuidValidator()},
	}
	attrs["credentials_identifier"] = schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "Finds the identity by a credentials identifier instead of `id`: a login identifier such as an email " +
			"or username (matched case-insensitively) or, for social sign-in, `provider:subject` (matched exactly). " +
			"It is an error when no identity or more than one identity matches.",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["external_id"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "Finds the identity by its external ID instead of `id` (matched exactly; " + kratosclient.ExternalIDReleases +
			", an error on earlier releases). When another attribute finds the identity, this is its external ID, null when it has none.",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["include_credential"] = schema.SetAttribute{
		Optional:    true,
		ElementType: types.StringType,
		MarkdownDescription: fmt.Sprintf("Credential types whose configuration to read into `credentials_config`. Allowed values: %s. "+
			"Defaults to none. The configuration can hold secrets (password hashes, social sign-in tokens), which then end up "+
			"in the Terraform state: ask only for what you need.", quotedList(includeCredentialValues)),
		Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(includeCredentialValues...))},
	}
	attrs["credentials_config"] = schema.MapAttribute{
		Computed:    true,
		Sensitive:   true,
		ElementType: types.StringType,
		MarkdownDescription: "The configuration (JSON) of each credential type named in `include_credential` that the identity has, " +
			"by type, as Kratos returns it (for `oidc`, the providers with their initial tokens). Null when " +
			"`include_credential` is not set.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one identity, by ID, by a credentials identifier (an email, a username or `provider:subject`) " +
			"or by external ID, with the attributes the `kratos_identity` resource exposes and those its state leaves out: `recovery_addresses`, " +
			"each verifiable address's `status` and the timestamps.",
		Attributes: attrs,
	}
}

// ConfigValidators requires exactly one way of finding the identity.
func (d *identityDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("credentials_identifier"), path.MatchRoot("external_id")),
	}
}

// Read fetches the identity.
func (d *identityDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identityDataSourceModel
	client := d.configAndClient(ctx, req.Config, &cfg, &resp.Diagnostics)
	var include []string
	resp.Diagnostics.Append(cfg.IncludeCredential.ElementsAs(ctx, &include, false)...)
	if client == nil || resp.Diagnostics.HasError() {
		return
	}
	var identity *kratosclient.Identity
	switch {
	case !cfg.CredentialsIdentifier.IsNull():
		identity = d.readByIdentifier(ctx, client, cfg.CredentialsIdentifier.ValueString(), include, &resp.Diagnostics)
	case !cfg.ExternalID.IsNull():
		identity = findByExternalID(ctx, d.data, cfg.ExternalID.ValueString(), path.Root("external_id"), &resp.Diagnostics, include...)
	default:
		identity = d.readByID(ctx, client, cfg.ID.ValueString(), include, &resp.Diagnostics)
	}
	if identity == nil {
		return
	}
	var diags diag.Diagnostics
	cfg.ID = types.StringValue(identity.ID)
	cfg.identityReadSide, diags = flattenIdentityReadSide(ctx, identity)
	resp.Diagnostics.Append(diags...)
	cfg.CredentialsConfig, diags = credentialsConfigValue(identity, include)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// readByID reads the identity with GET /admin/identities/{id}.
func (d *identityDataSource) readByID(ctx context.Context, client *kratosclient.Client, id string, include []string, diags *diag.Diagnostics) *kratosclient.Identity {
	identity, err := client.GetIdentity(ctx, id, include...)
	if kratosclient.IsNotFound(err) {
		diags.AddAttributeError(path.Root("id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity %s (it answered 404). Check the ID, or find the identity by credentials_identifier.", id))
		return nil
	}
	if err != nil {
		addClientError(diags, "Unable to Read Identity", err)
		return nil
	}
	return identity
}

// readByIdentifier finds the only identity with the credentials identifier, in one request.
func (d *identityDataSource) readByIdentifier(ctx context.Context, client *kratosclient.Client, identifier string, include []string, diags *diag.Diagnostics) *kratosclient.Identity {
	// Two are enough to tell "exactly one" from "more than one".
	seq := client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{CredentialsIdentifier: identifier, IncludeCredential: include, PageSize: 2})
	found, err := kratosclient.CollectMapped(seq, 2, func(i *kratosclient.Identity) (*kratosclient.Identity, bool) { return i, true })
	if err != nil {
		addClientError(diags, "Unable to Find Identity", err)
		return nil
	}
	switch len(found) {
	case 0:
		diags.AddAttributeError(path.Root("credentials_identifier"), "Identity not found",
			fmt.Sprintf("No identity has the credentials identifier %q. Login identifiers (emails, usernames) match case-insensitively; "+
				"social sign-ins match `provider:subject` exactly. Check the value, or read the identity by id.", identifier))
		return nil
	case 1:
		return found[0]
	default:
		diags.AddAttributeError(path.Root("credentials_identifier"), "More than one identity found",
			fmt.Sprintf("Identities %s and %s (at least) both have the credentials identifier %q, for different credential types. "+
				"Read the identity by id instead.", found[0].ID, found[1].ID, identifier))
		return nil
	}
}

// credentialsConfigValue maps the configuration of the included credential types; null when none were asked for.
func credentialsConfigValue(identity *kratosclient.Identity, include []string) (types.Map, diag.Diagnostics) {
	if len(include) == 0 {
		return types.MapNull(types.StringType), nil
	}
	configs := map[string]attr.Value{}
	for typ, c := range identity.Credentials {
		if !slices.Contains(include, typ) || len(c.Config) == 0 {
			continue
		}
		configs[typ] = types.StringValue(compactJSON(c.Config))
	}
	return types.MapValue(types.StringType, configs)
}

// compactJSON removes insignificant whitespace from a JSON document Kratos returned.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
