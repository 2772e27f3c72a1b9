package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ datasource.DataSourceWithConfigure = (*sessionDataSource)(nil)

// sessionDataSource reads one session by ID.
type sessionDataSource struct {
	dataSourceBase
}

// sessionDataSourceModel is the configuration and result of kratos_session.
type sessionDataSourceModel struct {
	sessionModel
	Expand types.Set `tfsdk:"expand"`
}

// NewSessionDataSource returns the kratos_session data source.
func NewSessionDataSource() datasource.DataSource {
	return &sessionDataSource{dataSourceBase{typeName: "session"}}
}

// Schema describes the data source.
func (d *sessionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := sessionAttributes(devicesWhenExpanded, identityWhenExpanded)
	attrs["id"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "The ID (a UUID) of the session to read.",
		Validators:          []validator.String{uuidValidator()},
	}
	attrs["expand"] = sessionExpandAttribute()
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Kratos session by ID, whether active, expired or revoked, in one request.",
		Attributes:          attrs,
	}
}

// Read fetches the session.
func (d *sessionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg sessionDataSourceModel
	client := d.configAndClient(ctx, req.Config, &cfg, &resp.Diagnostics)
	expand := sessionExpansionFrom(ctx, cfg.Expand, &resp.Diagnostics)
	if client == nil || resp.Diagnostics.HasError() {
		return
	}
	s, err := client.GetSession(ctx, cfg.ID.ValueString(), expand.query()...)
	if kratosclient.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Session not found",
			fmt.Sprintf("Kratos has no session %s (it answered 404). Check the ID; the kratos_sessions and "+
				"kratos_identity_sessions data sources list existing sessions.", cfg.ID.ValueString()))
		return
	}
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to Read Session", err)
		return
	}
	var diags diag.Diagnostics
	cfg.sessionModel, diags = newSessionModel(ctx, s, "", expand)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
