package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccIdentitySchemaDataSource_basic reads a configured schema and rejects an unknown ID with the configured ones.
func TestAccIdentitySchemaDataSource_basic(t *testing.T) {
	testAccRun(t, []resource.TestStep{
		{
			Config: `data "kratos_identity_schema" "nope" { id = "no-such-schema" }`,
			ExpectError: expectError("Identity schema not found", `"no-such-schema"`,
				"Configured schema IDs: "+quotedList(testKratos.SchemaIDs())+".", "identity.schemas"),
		},
		{
			Config: `data "kratos_identity_schema" "employee" { id = "employee" }`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.kratos_identity_schema.employee", "id", "employee"),
				checkJSONAttr("data.kratos_identity_schema.employee", "schema", checkSchemaDocument("employee")),
			),
		},
	})
}

// checkSchemaDocument checks that a decoded schema is the test harness's schema with the given ID.
func checkSchemaDocument(id string) func(any) error {
	return func(doc any) error {
		m, ok := doc.(map[string]any)
		want := "https://kratos-tf.test/schemas/" + id + ".schema.json"
		if !ok || m["$id"] != want {
			return fmt.Errorf("schema $id = %v, want %s", m["$id"], want)
		}
		if _, ok := m["properties"].(map[string]any)["traits"]; !ok {
			return fmt.Errorf("schema %s has no properties.traits", id)
		}
		return nil
	}
}
