package identityschema

import (
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// kratosKeyword is the identity schema keyword of Kratos's extension (schema/extension.go).
const kratosKeyword = "ory.sh/kratos"

// kratosVocabulary compiles the kratosKeyword of each subschema into a Mark when Kratos
// derives something from its value, so that MarkedValues can find those values in a compiled
// schema. It validates nothing: Kratos's keywords are annotations.
var kratosVocabulary = &jsonschema.Vocabulary{URL: "https://www.ory.sh/kratos/identity-schema-extension", Compile: compileKratosKeyword}

// Mark says what Kratos v1.3.1 derives from a subschema's value (identity/extension_credentials.go, extension_verification.go).
type Mark struct {
	// LoginIdentifier: credentials.password, .webauthn or .code has identifier: true.
	LoginIdentifier bool
	// Verifiable: verification.via names a channel, so the value is a verifiable address.
	Verifiable bool
}

// Validate accepts every value.
func (Mark) Validate(*jsonschema.ValidatorContext, any) {}

// compileKratosKeyword reads the flags that make Kratos derive something from a value:
// credentials.password.identifier, credentials.webauthn.identifier and
// credentials.code.identifier make it a login identifier (passkey.display_name and
// totp.account_name only label credentials); verification.via makes it an
// address.
func compileKratosKeyword(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
	raw, ok := obj[kratosKeyword]
	if !ok {
		return nil, nil
	}
	type loginFlag struct {
		Login bool `json:"identifier"`
	}
	type channel struct {
		Via string `json:"via"`
	}
	var ext struct {
		Creds struct {
			Password loginFlag `json:"password"`
			WebAuthn loginFlag `json:"webauthn"`
			Code     loginFlag `json:"code"`
		} `json:"credentials"`
		Verification channel `json:"verification"`
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &ext)
	}
	if err != nil {
		// Kratos cannot compile such a schema either.
		return nil, fmt.Errorf("%s: %w", kratosKeyword, err)
	}
	c := ext.Creds
	m := Mark{
		LoginIdentifier: c.Password.Login || c.WebAuthn.Login || c.Code.Login,
		Verifiable:      ext.Verification.Via != "",
	}
	if m == (Mark{}) {
		return nil, nil
	}
	return m, nil
}
