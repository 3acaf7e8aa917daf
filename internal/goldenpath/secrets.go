package goldenpath

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
)

// KeptSecret returns the value of key in the observed Secret with the given pipeline name,
// or a new one from generate when that Secret does not exist yet. A secret value is
// generated exactly once: an existing Secret without the key, or a Secret gone while what
// uses it (inUse) still runs, is an error, never a reason to make a new password that the
// running database does not know.
func KeptSecret(observed map[resource.Name]resource.ObservedComposed, name resource.Name, key string, inUse string, generate func() (string, error)) (string, error) {
	oc, ok := observed[name]
	if !ok {
		if inUse != "" {
			return "", errors.Errorf("the Secret %s is gone while %s still uses its %q; refusing to generate a new one the running instance does not know: restore the Secret (e.g. from a backup)", name, inUse, key)
		}
		return generate()
	}
	encoded, err := oc.Resource.GetString("data." + key)
	if err != nil || encoded == "" {
		return "", errors.Errorf("observed Secret %q has no %q; refusing to generate a new one for an existing instance: restore the key (e.g. from a backup)",
			oc.Resource.GetName(), key)
	}
	v, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", errors.Wrapf(err, "cannot decode %q of observed Secret %q", key, oc.Resource.GetName())
	}
	return string(v), nil
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomAlphanumeric returns n characters from crypto/rand, drawn without modulo bias. They
// need no escaping in URIs, shells or YAML.
func RandomAlphanumeric(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	// 62 characters: bytes at or above 248 (4*62) are dropped so that every character is
	// equally likely.
	const limit = 256 - 256%len(alphanumeric)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", errors.Wrap(err, "cannot read random bytes")
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphanumeric[int(c)%len(alphanumeric)])
			}
		}
	}
	return string(out), nil
}

// RandomBase64 returns n random bytes from crypto/rand, base64 encoded.
func RandomBase64(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", errors.Wrap(err, "cannot read random bytes")
	}
	return base64.StdEncoding.EncodeToString(buf), nil
}
