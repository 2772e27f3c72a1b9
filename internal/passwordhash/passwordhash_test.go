package passwordhash

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// b64 is the padded standard base64 of s.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// replaceAt returns s with the byte at i replaced by c.
func replaceAt(s string, i int, c byte) string {
	b := []byte(s)
	b[i] = c
	return string(b)
}

// TestFormatCheck refuses hashes whose prefix Kratos v1.3.1 recognises but whose body it could
// never sign anyone in with, and accepts whole ones; no error repeats the (secret) hash. The good
// hashes are Kratos's own test vectors (hash/hasher_test.go) or made with x/crypto.
func TestFormatCheck(t *testing.T) {
	t.Parallel()
	generated, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	const (
		bcryptHash  = "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6"
		argon2id    = "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"
		pbkdf2Hash  = "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"
		scryptHash  = "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="
		fireSalt    = "sPtDhWcd1MfdAw=="
		fireHash    = "xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A=="
		fireKey     = "YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="
		fireScrypt  = "$firescrypt$ln=14,r=8,p=1$" + fireSalt + "$" + fireHash + "$Bw==$" + fireKey
		md5Crypt    = "$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/"
		sha256Crypt = "$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78"
		sha512Key   = "uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1"
		sha512Crypt = "$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$" + sha512Key
		sha1Hash    = "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ="
		md5Hash     = "$md5$CY9rzUYh03PK3k6DJie09g=="
		hmacMD5     = "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU="
		ssha        = "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a"
	)
	good := []string{
		bcryptHash, string(generated), "$2b$" + bcryptHash[4:], "$2y$" + bcryptHash[4:], "$2z$" + bcryptHash[4:], "$2$" + bcryptHash[4:],
		"$2a$04$" + bcryptHash[7:],
		argon2id,
		"$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
		pbkdf2Hash,
		"$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
		scryptHash,
		fireScrypt,
		md5Crypt, "$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0",
		sha256Crypt, "$sha256-crypt$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78",
		sha512Crypt,
		sha1Hash,
		"$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY=",
		"$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==",
		md5Hash, "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==",
		hmacMD5, "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$",
		"$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNDU=",
		ssha,
		"{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK",
		"{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
	}
	broken := map[string]string{
		// bcrypt
		"$2a$10$BADHASHSECRETnotreallyahash": "bcrypt too short",
		bcryptHash + "x":                     "bcrypt too long",
		"$2a$03$" + bcryptHash[7:]:           "bcrypt cost below 4",
		"$2a$32$" + bcryptHash[7:]:           "bcrypt cost above 31",
		"$2a$1x$" + bcryptHash[7:]:           "bcrypt cost not a number",
		"$2a$12" + bcryptHash[6:] + "$":      "bcrypt salt and hash not after a $",
		replaceAt(bcryptHash, 10, '!'):       "bcrypt salt outside the alphabet",
		replaceAt(bcryptHash, 40, '+'):       "bcrypt hash outside the alphabet",
		bcryptHash[:59] + "7":                "bcrypt hash ends in a character bcrypt never writes",
		// argon2
		"$argon2id$v=19$m=32,t=2,p=4$not*base64$MNzk5BtR2vUhrp6qQEjRNw":                     "argon2 salt not base64",
		"$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ==$MNzk5BtR2vUhrp6qQEjRNw":       "argon2 salt padded",
		"$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6q#EjRNw":         "argon2 hash not base64",
		"$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$":                               "argon2 hash empty",
		"$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ":                                "argon2 hash missing",
		"$argon2id$v=16$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":         "argon2 version not 19",
		"$argon2id$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":              "argon2 version missing",
		"$argon2id$v=19$m=32,t=2$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":             "argon2 parallelism missing",
		"$argon2id$v=19$m=x,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":          "argon2 memory not a number",
		"$argon2id$v=19$m=32,t=0,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":         "argon2 no iterations",
		"$argon2id$v=19$m=32,t=2,p=0$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":         "argon2 no parallelism",
		"$argon2id$v=19$m=32,t=2,p=256$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":       "argon2 parallelism above 255",
		"$argon2id$v=19$m=4294967296,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw": "argon2 memory beyond 32 bits",
		"$argon2id$v=19$m=32,t=2,p=4,x=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw":     "argon2 unknown parameter",
		// pbkdf2
		"$pbkdf2-sha256$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI":                "pbkdf2 parameters missing",
		"$pbkdf2-sha256$aaaa$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI":           "pbkdf2 parameters garbled",
		"$pbkdf2-sha512$I=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc":  "pbkdf2 parameter misspelt",
		"$pbkdf2-sha256$i=0,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI":       "pbkdf2 no iterations",
		"$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9*KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI":  "pbkdf2 salt not base64",
		"$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJcto=pI":  "pbkdf2 hash not base64",
		"$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpII": "pbkdf2 hash longer than l",
		"$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$":                                             "pbkdf2 hash empty",
		// scrypt
		"$scrypt$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":                          "scrypt parameters missing",
		"$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":        "scrypt salt not base64",
		"$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":          "scrypt salt unpadded",
		"$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$":                                                     "scrypt hash empty",
		"$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":         "scrypt N not a power of two",
		"$scrypt$ln=1,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":             "scrypt N of 1",
		"$scrypt$ln=abc,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":           "scrypt N not a number",
		"$scrypt$ln=16384,r=0,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":         "scrypt no block size",
		"$scrypt$ln=16384,r=8,p=0$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=":         "scrypt no parallelism",
		"$scrypt$ln=16384,r=65536,p=16384$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=": "scrypt r*p too large",
		// firescrypt
		"$firescrypt$ln=0,r=8,p=1$" + fireSalt + "$" + fireHash + "$Bw==$" + fireKey:       "firescrypt memory cost 0",
		"$firescrypt$ln=32,r=8,p=1$" + fireSalt + "$" + fireHash + "$Bw==$" + fireKey:      "firescrypt memory cost 32",
		"$firescrypt$ln=14,r=8,p=1$" + fireSalt + "$" + fireHash + "$Bw=$" + fireKey:       "firescrypt separator not base64",
		"$firescrypt$ln=14,r=8,p=1$" + fireSalt + "$" + fireHash + "$Bw==$" + b64("short"): "firescrypt signer key and hash differ in length",
		"$firescrypt$ln=14,r=8,p=1$" + fireSalt + "$" + fireHash + "$" + fireKey:           "firescrypt separator missing",
		"$firescrypt$ln=14,r=0,p=1$" + fireSalt + "$" + fireHash + "$Bw==$" + fireKey:      "firescrypt no block size",
		"$firescrypt$ln=14,r=8,p=1$" + fireSalt + "$" + fireHash[1:] + "$Bw==$" + fireKey:  "firescrypt hash not base64",
		// md5-crypt
		"$md5-crypt$whuMjZj.HMFoaTaZRRtkO0":                   "md5-crypt salt missing",
		"$md5-crypt$$":                                        "md5-crypt hash empty",
		"$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C":           "md5-crypt hash short",
		"$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/x":         "md5-crypt hash long",
		"$md5-crypt$TVEiiKNb$SN6/pUaRQS+E8Jh46As2C/":          "md5-crypt hash outside the alphabet",
		"$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2Cz":          "md5-crypt hash ends in a character md5-crypt never writes",
		"$md5-crypt$rounds=5$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/": "md5-crypt with rounds",
		// sha-crypt
		"$sha256-crypt$$":  "sha256-crypt empty",
		"$sha256-crypt$$$": "sha256-crypt garbled",
		"$sha256-crypt$rounds=x$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78":     "sha256-crypt rounds not a number",
		"$sha256-crypt$round=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78": "sha256-crypt rounds misspelt",
		sha256Crypt[:len(sha256Crypt)-1]:                                               "sha256-crypt hash short",
		sha256Crypt[:len(sha256Crypt)-1] + "z":                                         "sha256-crypt hash ends in a character sha256-crypt never writes",
		"$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$" + sha512Key[:43]:               "sha512-crypt hash of sha256 length",
		"$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$" + sha512Key + "$x":             "sha512-crypt extra field",
		"$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$" + replaceAt(sha512Key, 5, '-'): "sha512-crypt hash outside the alphabet",
		// salted SHA
		"$sha1$pf=$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=":                           "sha pattern empty",
		"$sha1$$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=":                              "sha pattern missing",
		"$sha1$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=":                               "sha one field short",
		"$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$5opmkgz03r$2qU2SGWP8viTM1md3FiI3+rjWXQ=":         "sha salt not base64",
		"$sha1$pf=" + b64("{SALT}") + "$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=":      "sha pattern without the password",
		"$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=": "sha256 with a sha1-sized hash",
		"$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ":    "sha hash not padded base64",
		// md5
		"$md5$$":              "md5 empty",
		"$md5$$$":             "md5 garbled",
		"$md5$pf=$$":          "md5 pattern empty",
		"$md5$pf=MTIz$Z$":     "md5 salt not base64",
		"$md5$pf=MTIz$MTIz$Z": "md5 hash not base64",
		"$md5$MTIzNDU=":       "md5 hash short",
		"$md5$pf=" + b64("{SALT}") + "$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==": "md5 pattern without the password",
		// hmac
		"$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=": "hmac key missing",
		"$hmac-md5$":                  "hmac empty",
		"$hmac-md5$MTIzNDU=$MTIzNDU=": "hmac hash not a hex digest",
		"$hmac-md5$" + b64(strings.Repeat("ab", 20)) + "$MTIzNDU=":       "hmac hash of sha1 length",
		"$hmac-md5$" + b64(strings.Repeat("AB", 16)) + "$MTIzNDU=":       "hmac hash in upper case",
		"$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU": "hmac key not base64",
		// ssha
		"{SSHA}tooshort": "ssha without salt",
		"{SSHA}!!!!":     "ssha not base64",
		"{SSHA256}" + b64(strings.Repeat("x", 32)): "ssha256 without salt",
	}
	for _, h := range good {
		f, ok := FormatOf(h)
		if !Recognised(h) || !ok {
			t.Errorf("good hash %q: format not recognised", h)
			continue
		}
		if err := f.Check(h); err != nil {
			t.Errorf("good hash %q refused: %v", h, err)
		}
	}
	for h, why := range broken {
		f, ok := FormatOf(h)
		if !Recognised(h) || !ok {
			t.Errorf("%s (%q): format not recognised", why, h)
			continue
		}
		err := f.Check(h)
		if err == nil {
			t.Errorf("%s (%q): accepted", why, h)
			continue
		}
		// The shortest cases are no more than the prefix.
		if len(h) > len("$hmac-sha512$") && strings.Contains(err.Error(), h) {
			t.Errorf("%s: the error repeats the secret hash: %v", why, err)
		}
	}
}

// TestRecognised tells the prefixes Kratos v1.3.1 imports from others.
func TestRecognised(t *testing.T) {
	for hash, want := range map[string]bool{
		"$2a$10$x": true, "$argon2id$x": true, "$pbkdf2-sha256$x": true, "{SSHA512}x": true, "$hmac-sha1$x": true,
		"$1$abc$def": false, "$6$x": false, "plain": false, "": false, "$argon2d$x": false, "{SHA}x": false,
	} {
		if got := Recognised(hash); got != want {
			t.Errorf("Recognised(%q) = %v, want %v", hash, got, want)
		}
	}
}
