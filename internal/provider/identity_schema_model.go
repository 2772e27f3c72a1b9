package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// identitySchemaModel is one identity schema: the kratos_identity_schema result and an item of kratos_identity_schemas.
type identitySchemaModel struct {
	ID     types.String         `tfsdk:"id"`
	Schema jsontypes.Normalized `tfsdk:"schema"`
}

// listIdentitySchemas walks the schema pages.
func listIdentitySchemas(ctx context.Context, client *kratosclient.Client) ([]identitySchemaModel, error) {
	return kratosclient.CollectMapped(client.ListIdentitySchemas(ctx, identitySchemasPerPage), 0, func(s *kratosclient.IdentitySchema) (identitySchemaModel, bool) {
		return identitySchemaModel{ID: types.StringValue(s.ID), Schema: jsontypes.NewNormalizedValue(string(s.Schema))}, true
	})
}

// identitySchemaDocumentAttribute is the computed JSON Schema document of an identity schema.
func identitySchemaDocumentAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Computed:            true,
		CustomType:          jsontypes.NormalizedType{},
		MarkdownDescription: "The JSON Schema document, as normalized JSON; decode it with `jsondecode()`.",
	}
}

// identitySchemasPerPage is the page size for GET /schemas, Kratos's maximum.
const identitySchemasPerPage = 1000

// schemaIDs lists the configured schema IDs, to help with an unknown one.
func schemaIDs(ctx context.Context, client *kratosclient.Client) ([]string, error) {
	schemas, err := listIdentitySchemas(ctx, client)
	ids := make([]string, len(schemas))
	for i, s := range schemas {
		ids[i] = s.ID.ValueString()
	}
	return ids, err
}
