package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ validator.String = baseURLValidator{}
	_ validator.String = durationValidator{}
)

// stringRule is what a knownStringValidator checks: a description of the values it accepts and
// the problem with a value it rejects.
type stringRule interface {
	description() string
	// problem returns the summary and detail of the error for value; an empty summary accepts it.
	problem(value string) (summary, detail string)
}

// knownStringValidator checks known string values against rule R; null and unknown values pass.
type knownStringValidator[R stringRule] struct{}

// Description says what the validator accepts.
func (knownStringValidator[R]) Description(context.Context) string {
	var r R
	return r.description()
}

// MarkdownDescription says what the validator accepts.
func (v knownStringValidator[R]) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString checks a known value.
func (knownStringValidator[R]) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var r R
	if summary, detail := r.problem(req.ConfigValue.ValueString()); summary != "" {
		resp.Diagnostics.AddAttributeError(req.Path, summary, detail)
	}
}

// baseURLValidator accepts an absolute http(s) URL without query or fragment.
type baseURLValidator = knownStringValidator[baseURLRule]

// baseURLRule is the rule of baseURLValidator.
type baseURLRule struct{}

func (baseURLRule) description() string {
	return "must be an absolute http:// or https:// URL without query or fragment"
}

func (baseURLRule) problem(value string) (string, string) {
	if _, err := kratosclient.ParseBaseURL(value); err != nil {
		return "Invalid URL", err.Error()
	}
	return "", ""
}

// durationValidator accepts a positive Go duration such as "30s".
type durationValidator = knownStringValidator[durationRule]

// durationRule is the rule of durationValidator.
type durationRule struct{}

func (durationRule) description() string {
	return "must be a positive Go duration such as 30s, 1m or 1h30m"
}

func (r durationRule) problem(value string) (string, string) {
	if d, err := time.ParseDuration(value); err != nil || d <= 0 {
		return "Invalid duration", fmt.Sprintf("%q %s.", value, r.description())
	}
	return "", ""
}

// uuidPattern matches the canonical text form of a UUID, the only form Kratos IDs take.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// uuidValidator rejects a value that is not a UUID at plan time: Kratos would answer a confusing
// 404 on the identity routes (it reads a malformed ID as the nil UUID) and 400 on the session routes.
func uuidValidator() validator.String {
	return stringvalidator.RegexMatches(uuidPattern,
		"must be a UUID such as 3f9c8a52-1b7e-4d2a-9c1f-6e2b5d8a7c40; Kratos IDs are UUIDs, for example the id of a kratos_identity")
}
