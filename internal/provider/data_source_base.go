package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// dataSourceBase holds the type name and provider data of every data source of this provider.
type dataSourceBase struct {
	typeName string // without the provider name and underscore
	data     *providerData
}

// Metadata names the data source.
func (b *dataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.typeName
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// configAndClient reads the configuration into cfg and returns the Kratos client, or nil when
// diags (which may already hold errors) has an error.
func (b *dataSourceBase) configAndClient(ctx context.Context, config tfsdk.Config, cfg any, diags *diag.Diagnostics) *kratosclient.Client {
	diags.Append(config.Get(ctx, cfg)...)
	client := b.data.clientOrError(diags)
	if diags.HasError() {
		return nil
	}
	return client
}

// pageSize is the page size for a walk that stops after limit items (0 for no limit): a small
// limit fetches one small page instead of a full one.
func pageSize(limit int64, full int) int {
	if limit > 0 && limit < int64(full) {
		return int(limit)
	}
	return full
}
