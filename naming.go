package main

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// hexSuffix is the suffix the portal's scaffolder puts on instance names: mongodb-3a4f75ae.
var hexSuffix = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?)-([0-9a-f]{8})$`)

// instanceFor names the instance. A name, once given, never changes: a renamed resource is
// a deleted one, and with it the data. So an instance keeps the name its composed resources
// carry, which its XR's status records too; the two must agree, since a status edited or
// copied from another XR would re-point every selector at a name nothing runs under. Only a
// new instance gets a new name: its XR's own name when that ends in an 8-hex suffix, else the
// XR's name with a suffix derived from its UID (unique, unlike the name, across deletion and
// re-creation), shortened at a '-' to fit.
func instanceFor(xr *resource.Composite, observed map[resource.Name]resource.ObservedComposed, in *v1beta1.Input) (goldenpath.Instance, error) {
	running, from, err := runningInstance(observed)
	if err != nil {
		return goldenpath.Instance{}, err
	}
	if name := goldenpath.String(xr.Resource.Object, "status", "instanceName"); name != "" {
		if running != "" && running != name {
			return goldenpath.Instance{}, errors.Errorf("status.instanceName: %q is not the instance that runs (%q, the %s label of %s); set status.instanceName back to %q, or remove it",
				goldenpath.Cut(name), goldenpath.Cut(running), goldenpath.LabelInstance, from, goldenpath.Cut(running))
		}
		return instanceNamed(name, "status.instanceName")
	}
	if running != "" {
		return instanceNamed(running, "the "+goldenpath.LabelInstance+" label of "+from)
	}
	return newInstance(xr, *in.Naming.ReuseNameSuffix)
}

// runningInstance is the instance name the observed composed resources carry, and which
// resource told it. Resources of other pipeline steps may carry an instance label of their
// own meaning; this function's own must all agree.
func runningInstance(observed map[resource.Name]resource.ObservedComposed) (string, string, error) {
	name, from := "", ""
	for _, n := range slices.Sorted(maps.Keys(observed)) {
		o := observed[n].Resource
		if goldenpath.Label(o.Object, goldenpath.LabelManagedBy) != goldenpath.ManagedBy {
			continue
		}
		switch got := goldenpath.Label(o.Object, goldenpath.LabelInstance); {
		case got == "":
			continue
		case name == "":
			name, from = got, o.GetKind()+" "+o.GetName()
		case got != name:
			return "", "", errors.Errorf("the composed resources belong to two instances: %s is labelled %s=%s, %s %s is labelled %s; restore the label of the one that was changed",
				from, goldenpath.LabelInstance, goldenpath.Cut(name), o.GetKind(), o.GetName(), goldenpath.Cut(got))
		}
	}
	return name, from, nil
}

// newInstance names a new instance after its XR.
func newInstance(xr *resource.Composite, reuseSuffix bool) (goldenpath.Instance, error) {
	name := xr.Resource.GetName()
	if name == "" {
		return goldenpath.Instance{}, errors.New("metadata.name: the composite resource has no name (is there an observed composite resource in the request?)")
	}
	// Composed names (a Service's above all) start with the instance name: a DNS-1035 label
	// must start with a letter, which an object name need not.
	if msgs := validation.IsDNS1035Label(strings.ReplaceAll(shorten(name, goldenpath.MaxInstanceNameLength), ".", "-")); len(msgs) > 0 {
		return goldenpath.Instance{}, errors.Errorf("metadata.name: %q cannot name the instance's Services: %s", name, strings.Join(msgs, "; "))
	}
	if m := hexSuffix.FindStringSubmatch(name); m != nil && reuseSuffix && len(name) <= goldenpath.MaxInstanceNameLength {
		return goldenpath.Instance{Name: name, ID: m[3]}, nil
	}
	var sum [sha256.Size]byte
	if m := hexSuffix.FindStringSubmatch(name); m != nil && reuseSuffix {
		// Too long to keep whole: a suffix derived from the whole name is as stable across
		// re-creation as the scaffolder's own.
		sum = sha256.Sum256([]byte(name))
		name = m[1]
	} else {
		uid := string(xr.Resource.GetUID())
		if uid == "" {
			return goldenpath.Instance{}, errors.Errorf("metadata.uid: the XR %q has no UID to derive its name suffix from (give it a name ending in an 8-hex suffix, or a UID when rendering)", name)
		}
		sum = sha256.Sum256([]byte(uid))
	}
	id := hex.EncodeToString(sum[:4])
	prefix := shorten(strings.ReplaceAll(name, ".", "-"), goldenpath.MaxInstanceNameLength-len(id)-1)
	return goldenpath.Instance{Name: prefix + "-" + id, ID: id}, nil
}

// shorten cuts a name to at most n characters, at the last '-' that keeps a readable prefix,
// as Crossplane shortens the names it composes.
func shorten(name string, n int) string {
	if len(name) <= n {
		return name
	}
	cut := name[:n]
	if i := strings.LastIndexAny(cut, "-."); i >= n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, "-.")
}

// instanceNamed checks a name read back from the cluster as a new one would be: the same
// shape, length and DNS rules.
func instanceNamed(name, from string) (goldenpath.Instance, error) {
	m := hexSuffix.FindStringSubmatch(name)
	switch {
	case m == nil:
		return goldenpath.Instance{}, errors.Errorf("%s: %q is not an instance name (<name>-<8 hex>)", from, goldenpath.Cut(name))
	case len(name) > goldenpath.MaxInstanceNameLength:
		return goldenpath.Instance{}, errors.Errorf("%s: %q is %d characters, more than an instance name's %d", from, goldenpath.Cut(name), len(name), goldenpath.MaxInstanceNameLength)
	}
	if msgs := validation.IsDNS1035Label(name); len(msgs) > 0 {
		return goldenpath.Instance{}, errors.Errorf("%s: %q cannot name the instance's Services: %s", from, name, strings.Join(msgs, "; "))
	}
	return goldenpath.Instance{Name: name, ID: m[3]}, nil
}

// labelValue is a name as a label value: whole when it fits in 63 characters, else shortened
// with a hash of the whole, so that distinct names stay distinct.
func labelValue(name string) string {
	if len(name) <= validation.LabelValueMaxLength {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return shorten(name, validation.LabelValueMaxLength-9) + "-" + hex.EncodeToString(sum[:4])
}
