package provider

// The values of on_conflict.
const (
	onConflictAdopt = "adopt"
	onConflictFail  = "fail"
)

// onConflictValues lists on_conflict's values, the default first.
var onConflictValues = []string{onConflictAdopt, onConflictFail}
