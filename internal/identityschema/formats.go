package identityschema

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

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
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
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
