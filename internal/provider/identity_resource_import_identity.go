package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The resource identity of kratos_identity (Terraform 1.12 and later, OpenTofu 1.12 and later): the
// identity's ID, which Kratos never changes. Import blocks can name it (identity = { id = … }), and
// the kratos_identity list resource reports it for each identity it finds.
//
// identityResourceIdentityModel is the resource identity of a kratos_identity.
type identityResourceIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

// identityResourceIdentitySchema is the schema of kratos_identity's resource identity.
func identityResourceIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The identity's ID, a UUID chosen by Kratos.",
			},
		},
	}
}

// setResourceIdentity records id as the resource identity in target; a nil target is left alone.
func setResourceIdentity(ctx context.Context, target *tfsdk.ResourceIdentity, id string) diag.Diagnostics {
	if target == nil {
		return nil
	}
	return target.Set(ctx, identityResourceIdentityModel{ID: types.StringValue(id)})
}
