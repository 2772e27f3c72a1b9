package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// TestResourceSchemasHaveNoReadOnlyNestedAttributes guards config generation under Terraform
// 1.5: its plan -generate-config-out drops read-only attributes and then dereferences the
// nested type of the one it dropped (configschema.(*Block).Filter), so a computed-only nested
// attribute in any resource crashes it. Read-only collections of objects use plain object
// element types instead.
func TestResourceSchemasHaveNoReadOnlyNestedAttributes(t *testing.T) {
	p := New("test")()
	for _, newResource := range p.Resources(t.Context()) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(t.Context(), resource.MetadataRequest{ProviderTypeName: "kratos"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(t.Context(), resource.SchemaRequest{}, &resp)
		for name, a := range resp.Schema.Attributes {
			if _, nested := a.(schema.NestedAttribute); nested && a.IsComputed() && !a.IsOptional() {
				t.Errorf("%s: %s is a read-only nested attribute, which crashes terraform 1.5 plan -generate-config-out; use a list, set or map of objects", meta.TypeName, name)
			}
		}
	}
}
