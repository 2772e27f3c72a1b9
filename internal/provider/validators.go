package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ validator.String = baseURLValidator{}
	_ validator.String = durationValidator{}
)

// baseURLValidator accepts an absolute http(s) URL without query or fragment.
type baseURLValidator struct{}

// Description says what the validator accepts.
func (baseURLValidator) Description(context.Context) string {
	return "must be an absolute http:// or https:// URL without query or fragment"
}

// MarkdownDescription says what the validator accepts.
func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString checks a known value.
func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := kratosclient.ParseBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL", err.Error())
	}
}

// durationValidator accepts a positive Go duration such as "30s".
type durationValidator struct{}

// Description says what the validator accepts.
func (durationValidator) Description(context.Context) string {
	return "must be a positive Go duration such as 30s, 1m or 1h30m"
}

// MarkdownDescription says what the validator accepts.
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString checks a known value.
func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}
