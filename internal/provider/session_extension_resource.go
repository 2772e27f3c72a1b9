package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ resource.ResourceWithConfigure = (*sessionExtensionResource)(nil)

// sessionExtensionResource extends a session when it is created, as kratos_extend_session does.
type sessionExtensionResource struct {
	triggerResource
}

// sessionExtensionModel is the state of kratos_session_extension.
type sessionExtensionModel struct {
	sessionExtensionInput
	ID        types.String `tfsdk:"id"`
	Triggers  types.Map    `tfsdk:"triggers"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

// NewSessionExtensionResource returns the kratos_session_extension resource.
func NewSessionExtensionResource() resource.Resource {
	return &sessionExtensionResource{triggerResource{typeName: "session_extension"}}
}

// Schema describes the resource.
func (r *sessionExtensionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := triggerAttributes("A random UUID that identifies this extension.")
	attrs["session_id"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: extendSessionIDDescription + " Changing it extends the new session.",
		Validators:          []validator.String{uuidValidator()},
		PlanModifiers:       replaceOnChange(),
	}
	attrs["expires_at"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "When the session expires (RFC 3339), as Kratos reported it after the extension. Every refresh reads it again, " +
			"so later extensions show; revoking the session does not change it.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Extends a Kratos session as an operation that works on every CLI: the same as the `kratos_extend_session` action " +
			"(Terraform 1.14 and later), as a resource. **Create** extends the session: its expiry becomes now plus Kratos's `session.lifespan`. " +
			"Every argument forces replacement, so changing `triggers` extends again. **Read** reads the session's current `expires_at` back from " +
			"Kratos, and keeps the recorded one when the session is gone. **Delete** only removes the resource from the state; the session keeps its expiry. " +
			"An unknown session fails the apply.",
		Attributes: attrs,
	}
}

// Create extends the session and records its new expiry.
func (r *sessionExtensionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m sessionExtensionModel
	client, progress := r.start(ctx, req.Plan, &m, &resp.Diagnostics)
	if client == nil {
		return
	}
	expiresAt := extendSession(ctx, client, m.sessionExtensionInput, progress, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	m.ExpiresAt = types.StringValue(expiresAt)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read refreshes expires_at; a session that is gone keeps the recorded one, since extending it again could only fail.
func (r *sessionExtensionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m sessionExtensionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	s, err := client.GetSession(ctx, m.SessionID.ValueString())
	if kratosclient.IsNotFound(err) {
		tflog.Info(ctx, "session "+m.SessionID.ValueString()+" no longer exists; keeping the recorded expires_at")
		return
	}
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to Read Session", err)
		return
	}
	m.ExpiresAt = types.StringValue(s.ExpiresAt)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
