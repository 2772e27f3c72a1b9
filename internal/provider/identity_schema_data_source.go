package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ datasource.DataSourceWithConfigure = (*identitySchemaDataSource)(nil)

// identitySchemaDataSource reads one identity schema.
type identitySchemaDataSource struct {
	dataSourceBase
}

// NewIdentitySchemaDataSource returns the kratos_identity_schema data source.
func NewIdentitySchemaDataSource() datasource.DataSource {
	return &identitySchemaDataSource{dataSourceBase{typeName: "identity_schema"}}
}

// Schema describes the data source.
func (d *identitySchemaDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one identity schema configured in Kratos (`identity.schemas`), as served by Kratos's public API.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The schema's ID as configured in Kratos, for example `default`.",
			},
			"schema": identitySchemaDocumentAttribute(),
		},
	}
}

// Read fetches the schema.
func (d *identitySchemaDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identitySchemaModel
	client := d.configAndClient(ctx, req.Config, &cfg, &resp.Diagnostics)
	if client == nil {
		return
	}
	id := cfg.ID.ValueString()
	raw, err := client.GetIdentitySchema(ctx, id)
	if kratosclient.IsNotFound(err) {
		detail := fmt.Sprintf("Kratos has no identity schema %q (it answered 404).", id)
		if ids, err := schemaIDs(ctx, client); err == nil {
			detail += fmt.Sprintf(" Configured schema IDs: %s.", quotedList(ids))
		}
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Identity schema not found",
			detail+" Use one of the IDs under identity.schemas in the Kratos configuration.")
		return
	}
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to Read Identity Schema", err)
		return
	}
	cfg.Schema = jsontypes.NewNormalizedValue(string(raw))
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
