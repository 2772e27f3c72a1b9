package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var (
	_ validator.String = hashedPasswordValidator{}
	_ validator.String = metadataValidator{}
)

// hashPrefixes are the hash formats Kratos v1.3.1 imports (hash/hash_comparator.go), as
// patterns and as the text the documentation shows.
var hashPrefixes = []struct {
	pattern *regexp.Regexp
	text    string
}{
	{regexp.MustCompile(`^\$2[abyz]?\$`), "$2$, $2a$, $2b$, $2y$, $2z$ (bcrypt)"},
	{regexp.MustCompile(`^\$argon2(id|i)\$`), "$argon2id$, $argon2i$"},
	{regexp.MustCompile(`^\$pbkdf2-sha[0-9]{1,3}\$`), "$pbkdf2-sha<N>$"},
	{regexp.MustCompile(`^\$scrypt\$`), "$scrypt$"},
	{regexp.MustCompile(`^\$firescrypt\$`), "$firescrypt$"},
	{regexp.MustCompile(`^\$(md5|sha256|sha512)-crypt\$`), "$md5-crypt$, $sha256-crypt$, $sha512-crypt$"},
	{regexp.MustCompile(`^\$(sha1|sha256|sha512)\$`), "$sha1$, $sha256$, $sha512$"},
	{regexp.MustCompile(`^\{SSHA(256|512)?\}`), "{SSHA}, {SSHA256}, {SSHA512}"},
	{regexp.MustCompile(`^\$md5\$`), "$md5$"},
	{regexp.MustCompile(`^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$`), "$hmac-<md4|md5|sha1|sha224|sha256|sha384|sha512>$"},
}

// hashPrefixDescriptions lists the accepted formats for descriptions and errors.
var hashPrefixDescriptions = func() []string {
	out := make([]string, len(hashPrefixes))
	for i, p := range hashPrefixes {
		out[i] = p.text
	}
	return out
}()

// hashedPasswordValidator accepts only hash formats Kratos v1.3.1 can import.
type hashedPasswordValidator = knownStringValidator[hashedPasswordRule]

// hashedPasswordRule is the rule of hashedPasswordValidator.
type hashedPasswordRule struct{}

func (hashedPasswordRule) description() string {
	return "must be a password hash in a format Kratos v1.3.1 imports: " + strings.Join(hashPrefixDescriptions, "; ")
}

// problem never echoes the value: it is a secret.
func (r hashedPasswordRule) problem(value string) (string, string) {
	if hashFormatKnown(value) {
		return "", ""
	}
	return "Unrecognised password hash format",
		fmt.Sprintf("Kratos v1.3.1 would reject this hash (its value is not shown because it is secret). The value %s.", r.description())
}

// hashFormatKnown reports whether Kratos recognises the hash's format.
func hashFormatKnown(hash string) bool {
	for _, p := range hashPrefixes {
		if p.pattern.MatchString(hash) {
			return true
		}
	}
	return false
}

// schemaViolations validates {"traits": traits} with an identity schema, as Kratos does, and
// describes each violation by JSON path and rule. Invalid JSON yields nothing: the type's own
// validation reports it.
func schemaViolations(s *jsonschema.Schema, traits string) []string {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"traits":` + traits + `}`))
	if err != nil {
		return nil
	}
	err = s.Validate(doc)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return []string{err.Error()}
	}
	printer := message.NewPrinter(language.English)
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, fmt.Sprintf("at %s: %s (rule %q)",
			jsonPointer(e.InstanceLocation), e.ErrorKind.LocalizedString(printer), strings.Join(e.ErrorKind.KeywordPath(), "/")))
	}
	walk(verr)
	slices.Sort(out)
	return out
}

// jsonPointer renders a location as an RFC 6901 pointer, such as /traits/name/first.
func jsonPointer(tokens []string) string {
	if len(tokens) == 0 {
		return "the document root"
	}
	r := strings.NewReplacer("~", "~0", "/", "~1")
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(r.Replace(t))
	}
	return b.String()
}

// metadataValidator rejects a bare number: Kratos v1.3.1 stores one, and every later read of the identity fails with HTTP 500.
type metadataValidator = knownStringValidator[metadataRule]

// metadataRule is the rule of metadataValidator.
type metadataRule struct{}

func (metadataRule) description() string {
	return "must be a JSON object, array, string, boolean or null; Kratos v1.3.1 stores a bare number so that the identity can no longer be read (HTTP 500)"
}

func (r metadataRule) problem(value string) (string, string) {
	if doc, err := decodeJSON(value); err == nil {
		if _, isNumber := doc.(json.Number); isNumber {
			return "Unsupported metadata", fmt.Sprintf("The value %s: wrap the number in an object, for example {\"value\": 1}.", r.description())
		}
	}
	return "", ""
}
