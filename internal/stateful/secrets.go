package stateful

import (
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Kept is a Secret whose values are generated exactly once and then kept: from the observed
// Secret, or from a Secret of the same name that exists without being composed (restored from
// a backup, or left by an earlier XR of the same instance). A value is generated only for an
// instance that has no data yet: never for a running workload that uses the Secret, nor for
// volumes of an earlier instance whose data knows the old value.
type Kept struct {
	// Observed and Required are the request's observed composed and required resources.
	Observed map[resource.Name]resource.ObservedComposed
	Required map[string][]resource.Required

	// Name is the Secret's pipeline name, and Object its name in the cluster.
	Name   resource.Name
	Object string
	// Existing is the requirement key under which the blueprint asks for a Secret of the same
	// name while the Secret is not observed.
	Existing string
	// Volumes is the requirement key under which the blueprint asks for the instance's
	// volumes while the Secret is not observed, when their data knows the value. Empty when
	// no data depends on it.
	Volumes string
	// InUse names the running workload that uses the Secret, empty when nothing runs.
	InUse string
}

// Value returns the kept value of key, or a generated one for a new instance.
func (k Kept) Value(key string, generate func() (string, error)) (string, error) {
	if oc, ok := k.Observed[k.Name]; ok {
		return secretValue(oc.Resource.Object, oc.Resource.GetName(), key)
	}
	existing, fetched := k.Required[k.Existing]
	if !fetched {
		return "", goldenpath.ErrRequirementsPending
	}
	if len(existing) > 0 {
		return secretValue(existing[0].Resource.Object, existing[0].Resource.GetName(), key)
	}
	if k.InUse != "" {
		return "", errors.Errorf("the Secret %s is gone while %s still uses its %q; refusing to generate a new one the running instance does not know: restore the Secret (e.g. from a backup)", k.Name, k.InUse, key)
	}
	if k.Volumes != "" {
		volumes, fetched := k.Required[k.Volumes]
		if !fetched {
			return "", goldenpath.ErrRequirementsPending
		}
		if len(volumes) > 0 {
			names := make([]string, len(volumes))
			for i, v := range volumes {
				names[i] = v.Resource.GetName()
			}
			return "", errors.Errorf("the volume %s of an earlier instance with this name exists, and its data knows a %s this function never saw; refusing to generate a new one: restore that instance's Secret %s (its %q with the old value) from a backup, in this namespace, and it is adopted; or delete the volumes if their data should go",
				strings.Join(names, ", "), key, k.Object, key)
		}
	}
	return generate()
}

func secretValue(obj map[string]any, name, key string) (string, error) {
	data, _ := obj["data"].(map[string]any)
	encoded, _ := data[key].(string)
	if encoded == "" {
		return "", errors.Errorf("Secret %q has no %q; refusing to generate a new one for an existing instance: restore the key (e.g. from a backup)", name, key)
	}
	v, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", errors.Wrapf(err, "cannot decode %q of Secret %q", key, name)
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
