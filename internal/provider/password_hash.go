package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/kratos-tf/terraform-provider-kratos/internal/passwordhash"
)

var _ validator.String = hashedPasswordValidator{}

// hashedPasswordValidator accepts only password hashes Kratos v1.3.1 can import and check a
// password against: a format it recognises, with a complete body. Kratos itself checks only
// the prefix, stores a hash with a broken body, and then refuses every sign-in.
type hashedPasswordValidator = knownStringValidator[hashedPasswordRule]

// hashedPasswordRule is the rule of hashedPasswordValidator.
type hashedPasswordRule struct{}

func (hashedPasswordRule) description() string {
	return "must be a complete password hash in a format Kratos v1.3.1 imports: " + strings.Join(passwordhash.PrefixDescriptions, "; ")
}

// problem never echoes the value: it is a secret.
func (r hashedPasswordRule) problem(value string) (string, string) {
	if strings.TrimSpace(value) == "" {
		return "Empty password hash", "hashed_password is empty or only whitespace. Set it to the user's complete password hash from the system it comes from, or remove it."
	}
	if !passwordhash.Recognised(value) {
		return "Unrecognised password hash format",
			fmt.Sprintf("Kratos v1.3.1 would reject this hash (its value is not shown because it is secret). The value %s.", r.description())
	}
	f, ok := passwordhash.FormatOf(value)
	if !ok {
		return "", ""
	}
	if err := f.Check(value); err != nil {
		return "Malformed password hash", fmt.Sprintf("The hash has the %s prefix, but %s, so Kratos v1.3.1 would store it and then refuse every password "+
			"(the hash is not shown because it is secret).\n\nThe %s format is %s. Copy the complete hash from the system it comes from.",
			f.Name, err, f.Name, f.Shape)
	}
	return "", ""
}
