package provider

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccIdentitySchemasDataSource_basic lists every configured schema in configuration order.
func TestAccIdentitySchemasDataSource_basic(t *testing.T) {
	const name = "data.kratos_identity_schemas.all"
	ids := testKratos.SchemaIDs()
	checks := []resource.TestCheckFunc{resource.TestCheckResourceAttr(name, "schemas.#", strconv.Itoa(len(ids)))}
	for i, id := range ids {
		checks = append(checks,
			resource.TestCheckResourceAttr(name, fmt.Sprintf("schemas.%d.id", i), id),
			checkJSONAttr(name, fmt.Sprintf("schemas.%d.schema", i), checkSchemaDocument(id)),
		)
	}
	testAccRun(t, []resource.TestStep{{
		Config: `data "kratos_identity_schemas" "all" {}`,
		Check:  resource.ComposeAggregateTestCheckFunc(checks...),
	}})
}
