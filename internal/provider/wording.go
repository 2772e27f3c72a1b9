package provider

import "strings"

// quotedList renders values as `a`, `b` or `c`.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	default:
		return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
}

// describeAddresses renders the addresses an identity has, or says it has none.
func describeAddresses(values []string) string {
	if len(values) == 0 {
		return "no verifiable addresses"
	}
	return "only " + quotedList(values)
}
