package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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

// newSchemaCompiler returns a compiler for identity schemas whose format checks are those of
// Kratos v1.3.1, so that plan-time validation reports only what Kratos itself rejects.
func newSchemaCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	for _, f := range kratosFormats {
		c.RegisterFormat(f)
	}
	return c
}

// kratosFormats replace the checks of santhosh-tekuri/jsonschema wherever Kratos's validator
// (its fork github.com/ory/jsonschema/v3 v3.0.8, formats.go) decides differently, written from
// reading that code. Formats Kratos does not know are not checked. "date", "ipv6" and "regex"
// are checked alike by both; "tel" (libphonenumber) and Kratos's rejection of non-string
// values for any format are left to Kratos.
var kratosFormats = []*jsonschema.Format{
	stringFormat("email", kratosEmail),
	stringFormat("hostname", kratosHostname),
	stringFormat("date-time", timeLayouts(time.RFC3339, time.RFC3339Nano)),
	stringFormat("time", timeLayouts("15:04:05Z07:00", "15:04:05.999999999Z07:00")),
	stringFormat("ipv4", kratosIPv4),
	stringFormat("ip-address", kratosIPv4),
	stringFormat("uri", kratosURI),
	stringFormat("iri", kratosURI),
	stringFormat("uri-reference", kratosURIReference),
	stringFormat("iri-reference", kratosURIReference),
	stringFormat("uriref", kratosURIReference),
	stringFormat("uri-template", kratosURITemplate),
	stringFormat("json-pointer", kratosJSONPointer),
	stringFormat("relative-json-pointer", kratosRelativeJSONPointer),
	stringFormat("uuid", nil),
	stringFormat("duration", nil),
	stringFormat("period", nil),
	stringFormat("semver", nil),
}

// stringFormat is a format that applies check to strings; a nil check accepts every value.
func stringFormat(name string, check func(string) error) *jsonschema.Format {
	return &jsonschema.Format{Name: name, Validate: func(v any) error {
		s, ok := v.(string)
		if !ok || check == nil {
			return nil
		}
		return check(s)
	}}
}

// kratosEmail accepts at most 254 bytes with a local part of at most 64 bytes before the last
// @, a domain that is a hostname by kratosHostname, and a whole that Go's net/mail parses,
// which allows UTF-8 in the local part (andré@example.org).
func kratosEmail(s string) error {
	at := strings.LastIndexByte(s, '@')
	switch {
	case len(s) > 254:
		return errors.New("more than 254 bytes long")
	case at < 0:
		return errors.New("missing @")
	case at > 64:
		return errors.New("local part more than 64 bytes long")
	}
	if err := kratosHostname(s[at+1:]); err != nil {
		return fmt.Errorf("invalid domain: %w", err)
	}
	_, err := mail.ParseAddress(s)
	return err
}

// kratosHostname accepts, after one trailing dot is dropped, at most 253 bytes of labels of 1 to
// 63 ASCII letters, digits and hyphens that do not end with a hyphen; only the first label may
// not start with one.
func kratosHostname(s string) error {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return errors.New("more than 253 bytes long")
	}
	if strings.HasPrefix(s, "-") {
		return errors.New("starts with a hyphen")
	}
	for _, label := range strings.Split(s, ".") {
		switch {
		case label == "" || len(label) > 63:
			return errors.New("a label is empty or longer than 63 bytes")
		case strings.HasSuffix(label, "-"):
			return errors.New("a label ends with a hyphen")
		}
		if i := strings.IndexFunc(label, notHostnameRune); i >= 0 {
			return fmt.Errorf("invalid character %q", []rune(label[i:])[0])
		}
	}
	return nil
}

// notHostnameRune reports whether r is not an ASCII letter, digit or hyphen.
func notHostnameRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
}

// timeLayouts accepts what Go's time.Parse accepts with any of the layouts.
func timeLayouts(layouts ...string) func(string) error {
	return func(s string) error {
		var err error
		for _, l := range layouts {
			if _, err = time.Parse(l, s); err == nil {
				return nil
			}
		}
		return err
	}
}

// kratosIPv4 accepts four dot-separated parts that strconv.Atoi reads as 0 to 255, leading
// zeros and plus signs included.
func kratosIPv4(s string) error {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return errors.New("not four dot-separated numbers")
	}
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 255 {
			return fmt.Errorf("%q is not a number from 0 to 255", p)
		}
	}
	return nil
}

// kratosURI accepts an absolute URL that Go's net/url parses.
func kratosURI(s string) error {
	u, err := url.Parse(s)
	if err == nil && !u.IsAbs() {
		err = errors.New("not absolute")
	}
	return err
}

// kratosURIReference accepts what Go's net/url parses.
func kratosURIReference(s string) error {
	_, err := url.Parse(s)
	return err
}

// kratosURITemplate accepts a URL whose raw path segments (URL.RawPath, set only when the
// path's escaping is not Go's default) hold no nested or unbalanced braces.
func kratosURITemplate(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	for _, segment := range strings.Split(u.RawPath, "/") {
		open := false
		for _, r := range segment {
			switch {
			case r == '{' && open:
				return errors.New("nested braces")
			case r == '}' && !open:
				return errors.New("unopened brace")
			case r == '{' || r == '}':
				open = !open
			}
		}
		if open {
			return errors.New("unclosed brace")
		}
	}
	return nil
}

// kratosJSONPointer accepts "" or a string starting with / in which every ~ is followed by
// 0, 1 or another ~ (RFC 6901 allows only 0 and 1).
func kratosJSONPointer(s string) error {
	if s != "" && !strings.HasPrefix(s, "/") {
		return errors.New("does not start with /")
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && (i+1 == len(s) || !strings.ContainsRune("01~", rune(s[i+1]))) {
			return errors.New("~ is not followed by 0, 1 or ~")
		}
	}
	return nil
}

// kratosRelativeJSONPointer accepts a non-negative integer without leading zeros followed by #
// or by a JSON Pointer by kratosJSONPointer.
func kratosRelativeJSONPointer(s string) error {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	switch {
	case digits == 0:
		return errors.New("does not start with a non-negative integer")
	case digits > 1 && s[0] == '0':
		return errors.New("the integer has a leading zero")
	case s[digits:] == "#":
		return nil
	}
	return kratosJSONPointer(s[digits:])
}

// jsonPointer renders a location as an RFC 6901 pointer, such as /traits/name/first.
func jsonPointer(tokens []string) string {
	if len(tokens) == 0 {
		return "the document root"
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(t))
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
