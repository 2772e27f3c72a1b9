package identityschema

import "strings"

// jsonPointer renders a location as an RFC 6901 pointer, such as /traits/name/first.
func jsonPointer(tokens []string) string {
	if len(tokens) == 0 {
		return "the document root"
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(PointerToken(t))
	}
	return b.String()
}

// PointerToken escapes an object key as an RFC 6901 JSON Pointer token, ~ as ~0 and / as ~1.
func PointerToken(key string) string { return pointerEscaper.Replace(key) }

// pointerEscaper escapes an object key as an RFC 6901 JSON Pointer token.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
