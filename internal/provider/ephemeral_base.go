package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
)

// ephemeralBase holds the type name and provider data of every ephemeral resource of this provider.
type ephemeralBase struct {
	typeName string // without the provider name and underscore
	data     *providerData
}

// Metadata names the ephemeral resource.
func (b *ephemeralBase) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.typeName
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (b *ephemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}
