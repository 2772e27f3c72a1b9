package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestHashedPasswordValidator(t *testing.T) {
	t.Parallel()
	// Unknown prefixes are refused whatever follows; complete hashes of every format are
	// TestHashedPasswordAttribute_parsesHashBodies's.
	accepted := []string{"$2a$04$zfDzSDVhQpQ5bvHm1SyPuOfHoXrnypK6lVEo8QjRd6ckq/KSL1foW"}
	rejected := []string{"plaintext", "$2x$04$abc", "$argon2d$v=19$x", "$pbkdf2-sha$x", "$pbkdf2-sha1024$x", "{SSHA1}x", "$hmac-sha3$x", "$sha384$x", " $2a$04$x"}
	check := func(v string) bool {
		var resp validator.StringResponse
		hashedPasswordValidator{}.ValidateString(t.Context(), validator.StringRequest{
			Path: path.Root("login").AtName("hashed_password"), ConfigValue: types.StringValue(v),
		}, &resp)
		for _, d := range resp.Diagnostics {
			if strings.Contains(d.Detail(), v) {
				t.Errorf("the diagnostic repeats the secret: %s", d.Detail())
			}
		}
		return !resp.Diagnostics.HasError()
	}
	for _, v := range accepted {
		if !check(v) {
			t.Errorf("%q should be accepted", v)
		}
	}
	for _, v := range rejected {
		if check(v) {
			t.Errorf("%q should be rejected", v)
		}
	}
}

func TestMetadataValidator(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{`{"a":1}`: true, `[1]`: true, `"0"`: true, `null`: true, `false`: true, `0`: false, `1.5`: false} {
		var resp validator.StringResponse
		metadataValidator{}.ValidateString(t.Context(), validator.StringRequest{
			Path: path.Root("metadata_public"), ConfigValue: types.StringValue(v),
		}, &resp)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%s: accepted=%v, want %v", v, !resp.Diagnostics.HasError(), ok)
		}
	}
}
