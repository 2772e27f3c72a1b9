package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ datasource.DataSourceWithConfigure = (*identitySchemasDataSource)(nil)

// identitySchemasPerPage is the page size for GET /schemas, Kratos's maximum.
const identitySchemasPerPage = 1000

// identitySchemasDataSource lists every identity schema.
type identitySchemasDataSource struct {
	dataSourceBase
}

// identitySchemasDataSourceModel is the result of kratos_identity_schemas.
type identitySchemasDataSourceModel struct {
	Schemas []identitySchemaModel `tfsdk:"schemas"`
}

// NewIdentitySchemasDataSource returns the kratos_identity_schemas data source.
func NewIdentitySchemasDataSource() datasource.DataSource { return &identitySchemasDataSource{} }

// Metadata names the data source.
func (d *identitySchemasDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_schemas"
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
					"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The schema's ID, for example `default`."},
					"schema": schema.StringAttribute{
						Computed:            true,
						CustomType:          jsontypes.NormalizedType{},
						MarkdownDescription: "The JSON Schema document, as normalized JSON; decode it with `jsondecode()`.",
					},
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
	schemas, err := collectUpTo(client.ListIdentitySchemas(ctx, identitySchemasPerPage), 0, func(s *kratosclient.IdentitySchema) (identitySchemaModel, bool) {
		return identitySchemaModel{ID: types.StringValue(s.ID), Schema: jsontypes.NewNormalizedValue(string(s.Schema))}, true
	})
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to List Identity Schemas", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &identitySchemasDataSourceModel{Schemas: schemas})...)
}
