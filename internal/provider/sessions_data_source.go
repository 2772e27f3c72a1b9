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
	Active   types.Bool     `tfsdk:"active"`
	Limit    types.Int64    `tfsdk:"limit"`
	Expand   types.Set      `tfsdk:"expand"`
	Sessions []sessionModel `tfsdk:"sessions"`
}

// NewSessionsDataSource returns the kratos_sessions data source.
func NewSessionsDataSource() datasource.DataSource { return &sessionsDataSource{} }

// Metadata names the data source.
func (d *sessionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sessions"
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
			"expand": sessionExpandAttribute(),
			"sessions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The sessions, newest first.",
				NestedObject:        schema.NestedAttributeObject{Attributes: sessionAttributes(devicesWhenExpanded, identityWhenExpanded)},
			},
		},
	}
}

// Read walks the session pages.
func (d *sessionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg sessionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	expand := sessionExpansionFrom(ctx, cfg.Expand, &resp.Diagnostics)
	client := d.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	limit := cfg.Limit.ValueInt64()
	seq := client.ListSessions(ctx, kratosclient.ListSessionsParams{
		Active:   cfg.Active.ValueBoolPointer(),
		Expand:   expand.query(),
		PageSize: pageSize(limit, sessionsPageSize),
	})
	sessions, err := collectUpTo(seq, limit, func(s *kratosclient.Session) (sessionModel, bool) {
		m, diags := newSessionModel(ctx, s, "", expand)
		resp.Diagnostics.Append(diags...)
		return m, true
	})
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to List Sessions", err)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.Sessions = sessions
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// activeFilterAttribute is the optional active filter of the session list data sources.
func activeFilterAttribute() schema.BoolAttribute {
	return schema.BoolAttribute{
		Optional: true,
		MarkdownDescription: "`true` returns only sessions that are neither revoked nor expired, `false` only those that are. " +
			"Defaults to all sessions.",
	}
}
