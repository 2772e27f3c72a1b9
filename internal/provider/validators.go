package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/net/http/httpguts"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ validator.String = baseURLValidator{}
	_ validator.String = durationValidator{}
	_ validator.Map    = headersValidator{}
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

// headersValidator rejects header names and values that Go's HTTP client refuses to send, so
// that they fail when the configuration is validated rather than on the first request.
type headersValidator struct{}

// Description says what the validator accepts.
func (headersValidator) Description(context.Context) string {
	return "names must be HTTP header names (letters, digits and !#$%&'*+-.^_`|~) and values must not contain line breaks or other control characters"
}

// MarkdownDescription says what the validator accepts.
func (v headersValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateMap checks every known name and value, with net/http's own rules. Values are never
// shown (headers carry credentials), and of an invalid name only what precedes the first bad
// character is, so that "Authorization: Bearer <token>" as a name does not leak the token.
func (v headersValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	for _, name := range slices.Sorted(maps.Keys(elems)) {
		if !httpguts.ValidHeaderFieldName(name) {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid HTTP header name",
				fmt.Sprintf("%s, so no request could carry it. Header names %s; write the name on the left of = and its value on the right, for example \"X-Api-Key\" = var.key.",
					describeBadName(name), strings.TrimPrefix(v.Description(context.Background()), "names must be ")))
			continue
		}
		if slices.Contains(kratosclient.ReservedHeaders, http.CanonicalHeaderKey(name)) {
			resp.Diagnostics.AddAttributeError(req.Path, "Header cannot be set",
				fmt.Sprintf("%q is set by the provider's HTTP client itself (%s are), so the configured value would not be sent. Remove it from headers.",
					name, strings.Join(kratosclient.ReservedHeaders, ", ")))
			continue
		}
		value, ok := elems[name].(types.String)
		if !ok || value.IsNull() || value.IsUnknown() || httpguts.ValidHeaderFieldValue(value.ValueString()) {
			continue
		}
		what := "a control character (such as NUL or DEL)"
		if strings.ContainsAny(value.ValueString(), "\r\n") {
			what = "a line break"
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid HTTP header value",
			fmt.Sprintf("The value of header %q contains %s, which HTTP header values cannot contain (the value is not shown because headers can hold secrets). "+
				"Remove it, for example with trimspace() for a value read from a file.", name, what))
	}
}

// describeBadName says where a header name first breaks the rules, showing only what precedes that point.
func describeBadName(name string) string {
	if name == "" {
		return "A header name is empty"
	}
	for i, r := range name {
		if !httpguts.ValidHeaderFieldName(string(r)) {
			if i == 0 {
				return fmt.Sprintf("A header name starts with %q, which header names cannot contain", r)
			}
			return fmt.Sprintf("The header name starting %q has %q at character %d, which header names cannot contain", name[:i], r, utf8.RuneCountInString(name[:i])+1)
		}
	}
	return "A header name is not valid"
}
