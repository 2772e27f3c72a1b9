package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccIdentitySchemaDataSource_basic reads a configured schema and rejects an unknown ID with the configured ones.
func TestAccIdentitySchemaDataSource_basic(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `data "kratos_identity_schema" "nope" { id = "no-such-schema" }`,
				ExpectError: expectError("Identity schema not found", `"no-such-schema"`,
					"Configured schema IDs: `default`, `employee`, `minimal`.", "identity.schemas"),
			},
			{
				Config: `data "kratos_identity_schema" "employee" { id = "employee" }`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.kratos_identity_schema.employee", "id", "employee"),
					checkJSONAttr("data.kratos_identity_schema.employee", "schema", checkSchemaDocument("employee")),
				),
			},
		},
	})
}

// expectError matches a diagnostic that contains parts in order, however the CLI wraps its lines.
func expectError(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, ".*"))
}

// checkJSONAttr decodes the JSON text of a state attribute and hands it to check.
func checkJSONAttr(name, key string, check func(any) error) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(name, key, func(v string) error {
		var doc any
		if err := json.Unmarshal([]byte(v), &doc); err != nil {
			return fmt.Errorf("%s.%s is not JSON: %w", name, key, err)
		}
		return check(doc)
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
