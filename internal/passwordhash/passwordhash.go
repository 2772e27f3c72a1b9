// Package passwordhash recognises the password hash formats Kratos imports and checks a whole hash
// of each, without Terraform: Kratos itself checks only the prefix, stores a hash with a broken
// body, and then refuses every sign-in.
package passwordhash

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// prefixes are the hash formats Kratos v1.3.1 imports (hash/hash_comparator.go), as
// patterns and as the text the documentation shows.
var prefixes = []struct {
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

// PrefixDescriptions lists the accepted formats for descriptions and errors.
var PrefixDescriptions = func() []string {
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		out[i] = p.text
	}
	return out
}()

// Recognised reports whether Kratos recognises the hash's format.
func Recognised(hash string) bool {
	for _, p := range prefixes {
		if p.pattern.MatchString(hash) {
			return true
		}
	}
	return false
}

// Format is a password hash format Kratos v1.3.1 imports (hash/hash_comparator.go).
type Format struct {
	// Name is its prefix, with the algorithm where the prefix does not say it.
	Name string
	// Shape is the form its hashes take.
	Shape string
	check func(hash string) error
}

// Check reports what is wrong with a whole hash of the format, or nil.
func (f Format) Check(hash string) error { return f.check(hash) }

// Digest sizes in bytes of the algorithms the salted, HMAC and LDAP formats name.
var (
	shaDigestSizes  = map[string]int{"sha1": 20, "sha256": 32, "sha512": 64}
	hmacDigestSizes = map[string]int{"md4": 16, "md5": 16, "sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}
	sshaDigestSizes = map[string]int{"{SSHA}": 20, "{SSHA256}": 32, "{SSHA512}": 64}
)

// FormatOf returns the format a hash's identifier (after the first $, or its {SSHA…} prefix) names.
func FormatOf(hash string) (Format, bool) {
	if strings.HasPrefix(hash, "{") {
		prefix, _, _ := strings.Cut(hash, "}")
		size, ok := sshaDigestSizes[prefix+"}"]
		return Format{prefix + "}", prefix + "}<base64 of the digest followed by the salt>", func(h string) error { return checkSSHA(h, size) }}, ok
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(hash, "$"), "$")
	prefix := "$" + id + "$"
	hmacAlg, isHMAC := strings.CutPrefix(id, "hmac-")
	switch {
	case slices.Contains([]string{"2", "2a", "2b", "2y", "2z"}, id):
		return Format{prefix + " (bcrypt)", prefix + "<cost, 04 to 31>$<22-character salt><31-character hash>, in the alphabet ./A-Za-z0-9", checkBcrypt}, true
	case id == "argon2id" || id == "argon2i":
		return Format{prefix, prefix + "v=19$m=<memory in KiB>,t=<iterations>,p=<parallelism>$<salt>$<hash>, salt and hash in base64 without padding", checkArgon2}, true
	case strings.HasPrefix(id, "pbkdf2-"):
		return Format{prefix, prefix + "i=<iterations>,l=<key length>$<salt>$<hash>, salt and hash in base64 without padding", checkPBKDF2}, true
	case id == "scrypt":
		return Format{prefix, prefix + "ln=<N, a power of two>,r=<block size>,p=<parallelism>$<salt>$<hash>, salt and hash in padded base64", checkScrypt}, true
	case id == "firescrypt":
		return Format{prefix + " (Firebase scrypt)", prefix + "ln=<memory cost, 1 to 31>,r=<rounds>,p=<parallelism>$<salt>$<hash>$<salt separator>$<signer key>, each in padded base64",
			checkFirebaseScrypt}, true
	case id == "md5-crypt":
		return Format{prefix, prefix + "<salt>$<22-character hash in the alphabet ./0-9A-Za-z>", func(h string) error { return checkCrypt(h, 16, false) }}, true
	case id == "sha256-crypt" || id == "sha512-crypt":
		size := 32
		if id == "sha512-crypt" {
			size = 64
		}
		return Format{prefix, fmt.Sprintf("%srounds=<rounds>$<salt>$<%d-character hash in the alphabet ./0-9A-Za-z>, or the same without rounds=<rounds>$", prefix, cryptEncodedLen(size)),
			func(h string) error { return checkCrypt(h, size, true) }}, true
	case shaDigestSizes[id] > 0:
		return Format{prefix, prefix + "pf=<base64 of a pattern such as {SALT}{PASSWORD}>$<base64 salt>$<base64 hash>",
			func(h string) error { return checkSaltedDigest(strings.Split(h, "$"), shaDigestSizes[id]) }}, true
	case id == "md5":
		return Format{prefix, prefix + "<base64 hash>, or " + prefix + "pf=<base64 of a pattern such as {SALT}{PASSWORD}>$<base64 salt>$<base64 hash>", checkMD5}, true
	case isHMAC && hmacDigestSizes[hmacAlg] > 0:
		return Format{prefix, prefix + "<base64 of the lower-case hex digest>$<base64 key>",
			func(h string) error { return checkHMAC(h, hmacDigestSizes[hmacAlg]) }}, true
	}
	return Format{}, false
}

// bcryptEncoding is bcrypt's base64 alphabet, without padding.
var bcryptEncoding = base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)

// checkBcrypt parses the version and cost as golang.org/x/crypto/bcrypt, which Kratos uses,
// and checks that salt and hash are whole: bcrypt compares the encoded hash, so only the
// encoding it writes itself can ever match.
func checkBcrypt(hash string) error {
	fields := strings.Split(hash, "$")
	want := len("$"+fields[1]+"$00$") + 53
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		var costErr bcrypt.InvalidCostError
		switch {
		case errors.Is(err, bcrypt.ErrHashTooShort):
			return fmt.Errorf("it has %d characters instead of %d", len(hash), want)
		case errors.As(err, &costErr):
			return fmt.Errorf("its cost is %d, outside %d to %d", int(costErr), bcrypt.MinCost, bcrypt.MaxCost)
		default:
			return errors.New("its cost is not a two-digit number")
		}
	}
	if len(fields) != 4 || len(hash) != want {
		return fmt.Errorf("it has %d characters in %d $-separated fields instead of %d characters in 3", len(hash), len(fields)-1, want)
	}
	if _, err := bcryptEncoding.DecodeString(fields[3][:22]); err != nil {
		return errors.New("its 22-character salt has a character outside ./A-Za-z0-9")
	}
	if _, err := bcryptEncoding.Strict().DecodeString(fields[3][22:]); err != nil {
		return errors.New("its 31-character hash is not one bcrypt writes (a character outside ./A-Za-z0-9, or a last character bcrypt never ends with)")
	}
	return nil
}

// checkArgon2 checks a hash as Kratos decodes it (decodeArgon2idHash) and as argon2 needs it.
func checkArgon2(hash string) error {
	f := strings.Split(hash, "$")
	if len(f) != 6 {
		return fieldCountError(f, 5)
	}
	if f[2] != "v=19" {
		return errors.New("its version field is not v=19, the only argon2 version")
	}
	params, err := hashParams(f[3], "m", "t", "p")
	if err != nil {
		return err
	}
	if params[1] < 1 || params[2] < 1 || params[2] > 255 {
		return errors.New("its t (iterations) is 0 or its p (parallelism) is not 1 to 255")
	}
	return decodeHashFields(base64.RawStdEncoding, f[4], f[5])
}

// checkPBKDF2 checks a hash as Kratos decodes it (decodePbkdf2Hash). Kratos derives a key as
// long as the hash, whatever l says; a hash of another length than l has been cut or extended.
func checkPBKDF2(hash string) error {
	f := strings.Split(hash, "$")
	if len(f) != 5 {
		return fieldCountError(f, 4)
	}
	params, err := hashParams(f[2], "i", "l")
	if err != nil {
		return err
	}
	if params[0] < 1 {
		return errors.New("its i (iterations) is 0")
	}
	if err := decodeHashFields(base64.RawStdEncoding, f[3], f[4]); err != nil {
		return err
	}
	if n := base64.RawStdEncoding.DecodedLen(len(f[4])); uint64(n) != params[1] {
		return fmt.Errorf("its hash has %d bytes where l says %d", n, params[1])
	}
	return nil
}

// checkScrypt checks a hash as Kratos decodes it (decodeScryptHash, where ln is N itself).
func checkScrypt(hash string) error {
	f := strings.Split(hash, "$")
	if len(f) != 5 {
		return fieldCountError(f, 4)
	}
	params, err := hashParams(f[2], "ln", "r", "p")
	if err != nil {
		return err
	}
	if err := checkScryptCost(params[0], params[1], params[2]); err != nil {
		return err
	}
	return decodeHashFields(base64.StdEncoding, f[3], f[4])
}

// checkFirebaseScrypt checks a hash as Kratos decodes it (decodeFirebaseScryptHash, where N is
// 2^ln) and uses it: the hash is the signer key encrypted, so both have the same length.
func checkFirebaseScrypt(hash string) error {
	f := strings.Split(hash, "$")
	if len(f) != 7 {
		return fieldCountError(f, 6)
	}
	params, err := hashParams(f[2], "ln", "r", "p")
	if err != nil {
		return err
	}
	if params[0] < 1 || params[0] > 31 {
		return errors.New("its ln (memory cost) is not 1 to 31")
	}
	if err := checkScryptCost(1<<params[0], params[1], params[2]); err != nil {
		return err
	}
	if err := decodeHashFields(base64.StdEncoding, f[3], f[4]); err != nil {
		return err
	}
	if _, err := base64.StdEncoding.Strict().DecodeString(f[5]); err != nil {
		return errors.New("its salt separator is not padded base64")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(f[6])
	if err != nil {
		return errors.New("its signer key is not padded base64")
	}
	if h, _ := base64.StdEncoding.DecodeString(f[4]); len(h) != len(key) {
		return fmt.Errorf("its hash has %d bytes but its signer key %d (the hash is the signer key encrypted, so both have the same length)", len(h), len(key))
	}
	return nil
}

// checkScryptCost checks the parameters golang.org/x/crypto/scrypt accepts.
func checkScryptCost(n, r, p uint64) error {
	switch {
	case n < 2 || n&(n-1) != 0:
		return errors.New("its N is not a power of two greater than 1")
	case r < 1 || p < 1:
		return errors.New("its r (block size) or p (parallelism) is 0")
	case r*p >= 1<<30:
		return errors.New("its r times p is 2^30 or more")
	}
	return nil
}

// cryptAlphabet is the base64 alphabet of the crypt(3) formats.
const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// cryptEncodedLen is the length of a size-byte digest in crypt(3) base64.
func cryptEncodedLen(size int) int { return (size*8 + 5) / 6 }

// checkCrypt checks an md5-crypt or sha-crypt hash as Kratos decodes it (with go-crypt, after
// replacing the identifier by $1, $5 or $6): a salt, optionally (sha-crypt only) rounds=N
// before it, and the encoded digest, which must be what crypt(3) writes to ever match.
func checkCrypt(hash string, size int, rounds bool) error {
	f := strings.Split(hash, "$")
	if rounds && len(f) == 5 {
		v, ok := strings.CutPrefix(f[2], "rounds=")
		if _, err := strconv.ParseUint(v, 10, 32); !ok || err != nil {
			return errors.New("the field before the salt is not rounds=<number>")
		}
		f = slices.Delete(f, 2, 3)
	}
	if len(f) != 4 {
		return fieldCountError(f, 3)
	}
	key, n := f[3], cryptEncodedLen(size)
	if len(key) != n {
		return fmt.Errorf("its hash has %d characters instead of %d", len(key), n)
	}
	if i := strings.IndexFunc(key, func(r rune) bool { return !strings.ContainsRune(cryptAlphabet, r) }); i >= 0 {
		return fmt.Errorf("its hash has a character outside ./0-9A-Za-z at position %d", i+1)
	}
	// The last character carries the digest's remaining bits, the rest of it is zero.
	if spare := n*6 - size*8; strings.IndexByte(cryptAlphabet, key[n-1]) >= 1<<(6-spare) {
		return errors.New("its hash ends in a character crypt(3) never writes there")
	}
	return nil
}

// checkSaltedDigest checks the fields of $<alg>$pf=<pattern>$<salt>$<hash> as Kratos decodes
// them (decodeSHAHash, decodeMD5Hash).
func checkSaltedDigest(f []string, size int) error {
	if len(f) != 5 {
		return fieldCountError(f, 4)
	}
	pattern, ok := strings.CutPrefix(f[2], "pf=")
	decoded, err := base64.StdEncoding.Strict().DecodeString(pattern)
	switch {
	case !ok || pattern == "" || err != nil:
		return errors.New("its first field is not pf=<padded base64 of the salting pattern>")
	case !strings.Contains(string(decoded), "{PASSWORD}"):
		return errors.New("its salting pattern has no {PASSWORD}, so it does not depend on the password")
	}
	if _, err := base64.StdEncoding.Strict().DecodeString(f[3]); err != nil {
		return errors.New("its salt is not padded base64")
	}
	return checkDigestField(f[4], size)
}

// checkMD5 checks $md5$<hash> and the salted form, as decodeMD5Hash does.
func checkMD5(hash string) error {
	f := strings.Split(hash, "$")
	if len(f) == 3 {
		return checkDigestField(f[2], 16)
	}
	return checkSaltedDigest(f, 16)
}

// checkDigestField checks that a field is the padded base64 of a size-byte digest.
func checkDigestField(field string, size int) error {
	digest, err := base64.StdEncoding.Strict().DecodeString(field)
	switch {
	case err != nil:
		return errors.New("its hash is not padded base64")
	case len(digest) != size:
		return fmt.Errorf("its hash decodes to %d bytes instead of the digest's %d", len(digest), size)
	}
	return nil
}

// checkHMAC checks $hmac-<alg>$<hash>$<key> as decodeHMACHash does; Kratos compares the
// decoded hash with the digest in lower-case hex.
func checkHMAC(hash string, size int) error {
	f := strings.Split(hash, "$")
	if len(f) != 4 {
		return fieldCountError(f, 3)
	}
	hexDigest, err := base64.StdEncoding.Strict().DecodeString(f[2])
	if err != nil {
		return errors.New("its hash is not padded base64")
	}
	if len(hexDigest) != 2*size || strings.Trim(string(hexDigest), "0123456789abcdef") != "" {
		return fmt.Errorf("its hash does not decode to the %d lower-case hex digits of the digest", 2*size)
	}
	if _, err := base64.StdEncoding.Strict().DecodeString(f[3]); err != nil {
		return errors.New("its key is not padded base64")
	}
	return nil
}

// checkSSHA checks {SSHA…}<base64 of digest and salt> as decodeSSHAHash does.
func checkSSHA(hash string, size int) error {
	_, body, _ := strings.Cut(hash, "}")
	decoded, err := base64.StdEncoding.DecodeString(body)
	switch {
	case err != nil:
		return errors.New("what follows the prefix is not padded base64")
	case len(decoded) <= size:
		return fmt.Errorf("it decodes to %d bytes, which leaves no salt after the %d-byte digest", len(decoded), size)
	}
	return nil
}

// fieldCountError says that a hash has the wrong number of $-separated fields.
func fieldCountError(fields []string, want int) error {
	return fmt.Errorf("it has %d $-separated fields after the identifier instead of %d", len(fields)-2, want-1)
}

// hashParams parses name=<unsigned 32-bit number> parameters, comma-separated, in order.
func hashParams(field string, names ...string) ([]uint64, error) {
	parts := strings.Split(field, ",")
	wrong := fmt.Errorf("its parameters are not %s=<number>", strings.Join(names, "=<number>,"))
	if len(parts) != len(names) {
		return nil, wrong
	}
	out := make([]uint64, len(names))
	for i, p := range parts {
		v, ok := strings.CutPrefix(p, names[i]+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return nil, wrong
		}
		out[i] = n
	}
	return out, nil
}

// decodeHashFields checks that salt and hash are in enc (strictly, as Kratos decodes them) and
// that the hash is not empty: an empty derived key would match every password.
func decodeHashFields(enc *base64.Encoding, salt, hash string) error {
	padding := "base64 without padding"
	if enc == base64.StdEncoding {
		padding = "padded base64"
	}
	if _, err := enc.Strict().DecodeString(salt); err != nil {
		return errors.New("its salt is not " + padding)
	}
	if h, err := enc.Strict().DecodeString(hash); err != nil || len(h) == 0 {
		return errors.New("its hash is empty or not " + padding)
	}
	return nil
}
