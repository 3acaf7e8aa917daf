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
var hexSuffix = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?-([0-9a-f]{8})$`)

// instanceFor names the instance. A name, once given, never changes: a renamed resource is
// a deleted one, and with it the data. So an instance keeps the name its XR's status
// records, or failing that the one its composed resources carry; only a new instance gets
// a new name: its XR's own name when that ends in an 8-hex suffix, else the XR's name with
// a suffix derived from its UID (unique, unlike the name, across deletion and re-creation).
func instanceFor(xr *resource.Composite, observed map[resource.Name]resource.ObservedComposed, in *v1beta1.Input) (goldenpath.Instance, error) {
	if name, err := xr.Resource.GetString("status.instanceName"); err == nil && name != "" {
		return instanceNamed(name, "status.instanceName")
	}
	// Resources of other pipeline steps may carry an instance label of their own meaning.
	for _, n := range slices.Sorted(maps.Keys(observed)) {
		labels := observed[n].Resource.GetLabels()
		if name := labels[goldenpath.LabelInstance]; name != "" && labels[goldenpath.LabelManagedBy] == goldenpath.ManagedBy {
			return instanceNamed(name, "the "+goldenpath.LabelInstance+" label of "+observed[n].Resource.GetName())
		}
	}

	name := xr.Resource.GetName()
	// Composed names (a Service's above all) must be DNS-1035 labels; XR names need not be.
	if msgs := validation.IsDNS1035Label(name); len(msgs) > 0 {
		return goldenpath.Instance{}, errors.Errorf("metadata.name: %q cannot name the instance's Services: %s", name, strings.Join(msgs, "; "))
	}
	if m := hexSuffix.FindStringSubmatch(name); m != nil && *in.Naming.ReuseNameSuffix {
		return goldenpath.Instance{Name: name, ID: m[2]}, nil
	}
	uid := string(xr.Resource.GetUID())
	if uid == "" {
		return goldenpath.Instance{}, errors.Errorf("metadata.uid: the XR %q has no UID to derive its name suffix from (give it a name ending in an 8-hex suffix, or a UID when rendering)", name)
	}
	sum := sha256.Sum256([]byte(uid))
	id := hex.EncodeToString(sum[:4])
	return goldenpath.Instance{Name: name + "-" + id, ID: id}, nil
}

func instanceNamed(name, from string) (goldenpath.Instance, error) {
	m := hexSuffix.FindStringSubmatch(name)
	if m == nil {
		return goldenpath.Instance{}, errors.Errorf("%s: %q is not an instance name (<name>-<8 hex>)", from, name)
	}
	return goldenpath.Instance{Name: name, ID: m[2]}, nil
}
