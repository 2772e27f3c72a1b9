package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
)

var _ datasource.DataSourceWithConfigure = (*identitySchemasDataSource)(nil)

// identitySchemasDataSource lists every identity schema.
type identitySchemasDataSource struct {
	dataSourceBase
}

// identitySchemasDataSourceModel is the result of kratos_identity_schemas.
type identitySchemasDataSourceModel struct {
	Schemas []identitySchemaModel `tfsdk:"schemas"`
}

// NewIdentitySchemasDataSource returns the kratos_identity_schemas data source.
func NewIdentitySchemasDataSource() datasource.DataSource {
	return &identitySchemasDataSource{dataSourceBase{typeName: "identity_schemas"}}
}

// Schema describes the data source.
func (d *identitySchemasDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every identity schema configured in Kratos (`identity.schemas`), in configuration order.",
		Attributes: map[string]schema.Attribute{
			"schemas": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The schemas, in the order of the Kratos configuration.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":     schema.StringAttribute{Computed: true, MarkdownDescription: "The schema's ID, for example `default`."},
					"schema": identitySchemaDocumentAttribute(),
				}},
			},
		},
	}
}

// Read walks the schema pages.
func (d *identitySchemasDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	client := d.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	schemas, err := listIdentitySchemas(ctx, client)
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to List Identity Schemas", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &identitySchemasDataSourceModel{Schemas: schemas})...)
}
