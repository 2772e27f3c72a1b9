package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccIdentitySchemasDataSource_basic lists every configured schema in configuration order.
func TestAccIdentitySchemasDataSource_basic(t *testing.T) {
	const name = "data.kratos_identity_schemas.all"
	checks := []resource.TestCheckFunc{resource.TestCheckResourceAttr(name, "schemas.#", "3")}
	for i, id := range []string{"default", "employee", "minimal"} {
		checks = append(checks,
			resource.TestCheckResourceAttr(name, fmt.Sprintf("schemas.%d.id", i), id),
			checkJSONAttr(name, fmt.Sprintf("schemas.%d.schema", i), checkSchemaDocument(id)),
		)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `data "kratos_identity_schemas" "all" {}`,
			Check:  resource.ComposeAggregateTestCheckFunc(checks...),
		}},
	})
}
