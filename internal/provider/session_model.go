package provider

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// sessionExpandValues are the expansions Kratos accepts on the session endpoints.
var sessionExpandValues = []string{kratosclient.ExpandIdentity, kratosclient.ExpandDevices}

// sessionModel is one session as the session data sources expose it.
type sessionModel struct {
	ID                          types.String                `tfsdk:"id"`
	Active                      types.Bool                  `tfsdk:"active"`
	IdentityID                  types.String                `tfsdk:"identity_id"`
	AuthenticatedAt             types.String                `tfsdk:"authenticated_at"`
	IssuedAt                    types.String                `tfsdk:"issued_at"`
	ExpiresAt                   types.String                `tfsdk:"expires_at"`
	AuthenticatorAssuranceLevel types.String                `tfsdk:"authenticator_assurance_level"`
	AuthenticationMethods       []authenticationMethodModel `tfsdk:"authentication_methods"`
	Devices                     []sessionDeviceModel        `tfsdk:"devices"`
	Identity                    types.Object                `tfsdk:"identity"`
}

// sessionListModel holds the attributes both session list data sources share.
type sessionListModel struct {
	Active   types.Bool     `tfsdk:"active"`
	Sessions []sessionModel `tfsdk:"sessions"`
}

// authenticationMethodModel is one way a session's identity authenticated.
type authenticationMethodModel struct {
	Method       types.String `tfsdk:"method"`
	AAL          types.String `tfsdk:"aal"`
	CompletedAt  types.String `tfsdk:"completed_at"`
	Provider     types.String `tfsdk:"provider"`
	Organization types.String `tfsdk:"organization"`
}

// sessionDeviceModel is a device a session was used from.
type sessionDeviceModel struct {
	ID        types.String `tfsdk:"id"`
	IPAddress types.String `tfsdk:"ip_address"`
	UserAgent types.String `tfsdk:"user_agent"`
	Location  types.String `tfsdk:"location"`
}

// sessionExpansion is what the user asked to expand on a session read.
type sessionExpansion struct {
	devices, identity bool
}

// query is the expand list sent to Kratos. The identity is always expanded: without it Kratos
// does not say which identity a session belongs to.
func (e sessionExpansion) query() []string {
	if e.devices {
		return []string{kratosclient.ExpandIdentity, kratosclient.ExpandDevices}
	}
	return []string{kratosclient.ExpandIdentity}
}

// sessionExpansionFrom reads the expand attribute.
func sessionExpansionFrom(ctx context.Context, set types.Set, diags *diag.Diagnostics) sessionExpansion {
	var values []string
	diags.Append(set.ElementsAs(ctx, &values, false)...)
	return sessionExpansion{
		devices:  slices.Contains(values, kratosclient.ExpandDevices),
		identity: slices.Contains(values, kratosclient.ExpandIdentity),
	}
}

// newSessionModel maps a Kratos session. identityID is used when the session does not embed its
// identity; expand says which of devices and identity to fill, so that an empty list differs from
// one that was not loaded.
func newSessionModel(ctx context.Context, s *kratosclient.Session, identityID string, expand sessionExpansion) (sessionModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	if s.Identity != nil && s.Identity.ID != "" {
		identityID = s.Identity.ID
	}
	m := sessionModel{
		ID:                          types.StringValue(s.ID),
		Active:                      types.BoolValue(s.Active),
		IdentityID:                  optionalString(identityID),
		AuthenticatedAt:             optionalString(s.AuthenticatedAt),
		IssuedAt:                    optionalString(s.IssuedAt),
		ExpiresAt:                   optionalString(s.ExpiresAt),
		AuthenticatorAssuranceLevel: optionalString(s.AuthenticatorAssuranceLevel),
		AuthenticationMethods:       make([]authenticationMethodModel, 0, len(s.AuthenticationMethods)),
	}
	for _, am := range s.AuthenticationMethods {
		m.AuthenticationMethods = append(m.AuthenticationMethods, authenticationMethodModel{
			Method:       types.StringValue(am.Method),
			AAL:          optionalString(am.AAL),
			CompletedAt:  optionalString(am.CompletedAt),
			Provider:     optionalString(am.Provider),
			Organization: optionalString(am.Organization),
		})
	}
	m.Identity = types.ObjectNull(identityItemAttrTypes)
	if expand.identity && s.Identity != nil {
		var d diag.Diagnostics
		m.Identity, d = newIdentityItem(ctx, s.Identity)
		diags.Append(d...)
	}
	if expand.devices {
		m.Devices = make([]sessionDeviceModel, 0, len(s.Devices))
		for _, d := range s.Devices {
			m.Devices = append(m.Devices, sessionDeviceModel{
				ID:        types.StringValue(d.ID),
				IPAddress: optionalString(d.IPAddress),
				UserAgent: optionalString(d.UserAgent),
				Location:  optionalString(d.Location),
			})
		}
	}
	return m, diags
}

// listSessionModels maps the sessions of seq, at most limit of them (0 for no limit), with
// newSessionModel; a failed request is reported under summary.
func listSessionModels(ctx context.Context, seq iter.Seq2[kratosclient.Session, error], limit int64, identityID string,
	expand sessionExpansion, summary string, diags *diag.Diagnostics) []sessionModel {
	sessions, err := kratosclient.CollectMapped(seq, int(limit), func(s *kratosclient.Session) (sessionModel, bool) {
		m, d := newSessionModel(ctx, s, identityID, expand)
		diags.Append(d...)
		return m, true
	})
	if err != nil {
		addClientError(diags, summary, err)
	}
	return sessions
}

// sessionListAttribute is the computed list of sessions of the session list data sources.
func sessionListAttribute(description, devicesNote, identityNote string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: description,
		NestedObject:        schema.NestedAttributeObject{Attributes: sessionAttributes(devicesNote, identityNote)},
	}
}

// activeFilterAttribute is the optional active filter of the session list data sources.
func activeFilterAttribute() schema.BoolAttribute {
	return schema.BoolAttribute{
		Optional: true,
		MarkdownDescription: "`true` returns only sessions that are neither revoked nor expired, `false` only those that are. " +
			"Defaults to all sessions.",
	}
}

// sessionAttributes returns the computed attributes of a session; the notes say when devices and
// the identity are loaded.
func sessionAttributes(devicesNote, identityNote string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"identity": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "The session's identity, with `id` and the attributes of the `kratos_identity` data source, " +
				"except that Kratos does not embed credentials or `metadata_admin` in a session (and, in lists, no addresses). " +
				identityNote,
			Attributes: identityItemAttributes(),
		},
		"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The session's ID (a UUID)."},
		"active": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the session can be used: " +
			"not revoked, not expired, and its identity is `active`."},
		"identity_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The ID of the identity the session belongs to."},
		"authenticated_at": schema.StringAttribute{Computed: true,
			MarkdownDescription: "When the identity last authenticated in this session, in RFC 3339 format."},
		"issued_at":  schema.StringAttribute{Computed: true, MarkdownDescription: "When the session was issued, in RFC 3339 format."},
		"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the session expires, in RFC 3339 format."},
		"authenticator_assurance_level": schema.StringAttribute{Computed: true,
			MarkdownDescription: "The authenticator assurance level the session reached: `aal1` (one factor) or `aal2` and above (multi-factor)."},
		"authentication_methods": schema.ListNestedAttribute{
			Computed:            true,
			MarkdownDescription: "The authentication methods completed in this session, in order.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"method": schema.StringAttribute{Computed: true, MarkdownDescription: "The method, for example `password`, `oidc`, `code` or `totp`."},
				"aal":    schema.StringAttribute{Computed: true, MarkdownDescription: "The assurance level the method provides, for example `aal1`."},
				"completed_at": schema.StringAttribute{Computed: true,
					MarkdownDescription: "When the method was completed, in RFC 3339 format."},
				"provider": schema.StringAttribute{Computed: true,
					MarkdownDescription: "The social sign-in provider for `oidc`; null for other methods."},
				"organization": schema.StringAttribute{Computed: true,
					MarkdownDescription: "The organization for `oidc` sign-ins through an organization; usually null."},
			}},
		},
		"devices": schema.ListNestedAttribute{
			Computed:            true,
			MarkdownDescription: "The devices the session was used from. " + devicesNote,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "The device record's ID."},
				"ip_address": schema.StringAttribute{Computed: true, MarkdownDescription: "The IP address the session was used from."},
				"user_agent": schema.StringAttribute{Computed: true, MarkdownDescription: "The HTTP user agent the session was used with."},
				"location":   schema.StringAttribute{Computed: true, MarkdownDescription: "The location Kratos derived for the device, if any."},
			}},
		},
	}
}

// Notes for data sources with an expand attribute.
const (
	devicesWhenExpanded  = "Loaded only when `expand` contains `devices`; null otherwise."
	identityWhenExpanded = "Loaded only when `expand` contains `identity`; null otherwise."
)

// sessionExpandAttribute is the optional expand attribute of the session data sources.
func sessionExpandAttribute() schema.SetAttribute {
	return schema.SetAttribute{
		Optional:    true,
		ElementType: types.StringType,
		MarkdownDescription: fmt.Sprintf("Extra data to load with each session. Allowed values: %s. "+
			"`identity` fills `identity` and `devices` fills `devices`. Defaults to none; `identity_id` is always set.", quotedList(sessionExpandValues)),
		Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(sessionExpandValues...))},
	}
}
