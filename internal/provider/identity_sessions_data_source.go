package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ datasource.DataSourceWithConfigure = (*identitySessionsDataSource)(nil)

// identitySessionsPerPage is the page size for GET /admin/identities/{id}/sessions (Kratos's
// maximum). Tests lower it to prove the paging.
var identitySessionsPerPage = 1000

// identitySessionsDataSource lists one identity's sessions.
type identitySessionsDataSource struct {
	dataSourceBase
}

// identitySessionsDataSourceModel is the configuration and result of kratos_identity_sessions.
type identitySessionsDataSourceModel struct {
	sessionListModel
	IdentityID types.String `tfsdk:"identity_id"`
}

// NewIdentitySessionsDataSource returns the kratos_identity_sessions data source.
func NewIdentitySessionsDataSource() datasource.DataSource {
	return &identitySessionsDataSource{dataSourceBase{typeName: "identity_sessions"}}
}

// Schema describes the data source.
func (d *identitySessionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every session of one identity, most recently authenticated first, with devices. " +
			"Pages are requested one by one until all sessions arrived, which works around Kratos v1.3.1 " +
			"skipping the last page when its `Link` header is followed.",
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The ID (a UUID) of the identity whose sessions to list.",
				Validators:          []validator.String{uuidValidator()},
			},
			"active": activeFilterAttribute(),
			"sessions": sessionListAttribute("The identity's sessions, most recently authenticated first.",
				"Always loaded by this data source.", "Always null here: it is the identity `identity_id` names."),
		},
	}
}

// Read walks the identity's session pages.
func (d *identitySessionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identitySessionsDataSourceModel
	client := d.configAndClient(ctx, req.Config, &cfg, &resp.Diagnostics)
	if client == nil {
		return
	}
	id := cfg.IdentityID.ValueString()
	seq := client.ListIdentitySessions(ctx, id, kratosclient.ListIdentitySessionsParams{
		Active:  cfg.Active.ValueBoolPointer(),
		PerPage: identitySessionsPerPage,
	})
	// Kratos always loads devices here; the identity is the one asked for, so it is not repeated.
	sessions := listSessionModels(ctx, seq, 0, id, sessionExpansion{devices: true}, "Unable to List Identity Sessions", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(sessions) == 0 {
		// Kratos answers an empty list for an unknown identity too; one more request tells them apart.
		if _, err := client.GetIdentity(ctx, id); kratosclient.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("identity_id"), "Identity not found",
				fmt.Sprintf("Kratos has no identity %s: it answered 404 to a read of the identity, made because its session "+
					"list answers an empty list, not 404, for an unknown identity. Check the ID.", id))
			return
		} else if err != nil {
			addClientError(&resp.Diagnostics, "Unable to Read Identity", err)
			return
		}
	}
	cfg.Sessions = sessions
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
