package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ datasource.DataSourceWithConfigure = (*sessionsDataSource)(nil)

// sessionsPageSize is the page size for GET /admin/sessions, which Kratos clamps to 1000.
// Tests lower it to prove the paging.
var sessionsPageSize = 1000

// sessionsDataSource lists every session of the Kratos instance.
type sessionsDataSource struct {
	dataSourceBase
}

// sessionsDataSourceModel is the configuration and result of kratos_sessions.
type sessionsDataSourceModel struct {
	sessionListModel
	Limit  types.Int64 `tfsdk:"limit"`
	Expand types.Set   `tfsdk:"expand"`
}

// NewSessionsDataSource returns the kratos_sessions data source.
func NewSessionsDataSource() datasource.DataSource {
	return &sessionsDataSource{dataSourceBase{typeName: "sessions"}}
}

// Schema describes the data source.
func (d *sessionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the sessions of all identities, newest first, walking every page " +
			"(up to 1000 sessions per request).",
		Attributes: map[string]schema.Attribute{
			"active": activeFilterAttribute(),
			"limit": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "The most sessions to return; paging stops as soon as that many were read. " +
					"Must be at least 1. Defaults to no limit.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"expand":   sessionExpandAttribute(),
			"sessions": sessionListAttribute("The sessions, newest first.", devicesWhenExpanded, identityWhenExpanded),
		},
	}
}

// Read walks the session pages.
func (d *sessionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg sessionsDataSourceModel
	client := d.configAndClient(ctx, req.Config, &cfg, &resp.Diagnostics)
	expand := sessionExpansionFrom(ctx, cfg.Expand, &resp.Diagnostics)
	if client == nil || resp.Diagnostics.HasError() {
		return
	}
	limit := cfg.Limit.ValueInt64()
	seq := client.ListSessions(ctx, kratosclient.ListSessionsParams{
		Active:   cfg.Active.ValueBoolPointer(),
		Expand:   expand.query(),
		PageSize: pageSize(limit, sessionsPageSize),
	})
	cfg.Sessions = listSessionModels(ctx, seq, limit, "", expand, "Unable to List Sessions", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
