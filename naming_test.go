package main

import (
	"regexp"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// FuzzInstanceFor checks, for any XR name and UID, that an instance name is either refused
// or a DNS-1035 label ending in its 8-hex id, the same on every call.
func FuzzInstanceFor(f *testing.F) {
	for _, seed := range [][2]string{
		{"mongodb-3a4f75ae", ""},
		{"orders", "0b6a1f2e-8f55-4c3e-9d7a-2f1e5c6b7a80"},
		{"orders.db", "u"},
		{"1db", "u"},
		{"a-", "u"},
		{"mongodb-3A4F75AE", "u"},
		{"x-3a4f75ae-3a4f75ae", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	id := regexp.MustCompile(`^[0-9a-f]{8}$`)
	in := &v1beta1.Input{}
	in.Default()
	f.Fuzz(func(t *testing.T, name, uid string) {
		xr := &resource.Composite{Resource: composite.New()}
		xr.Resource.SetName(name)
		xr.Resource.SetUID(types.UID(uid))
		inst, err := instanceFor(xr, nil, in)
		if err != nil {
			return
		}
		if msgs := validation.IsDNS1035Label(inst.Name); len(msgs) > 0 && len(inst.Name) <= validation.DNS1035LabelMaxLength {
			t.Errorf("instanceFor(%q, %q) = %q: not a DNS-1035 label: %v", name, uid, inst.Name, msgs)
		}
		if !id.MatchString(inst.ID) || inst.Name[len(inst.Name)-9:] != "-"+inst.ID {
			t.Errorf("instanceFor(%q, %q) = %+v: the name must end in -<8 hex id>", name, uid, inst)
		}
		again, err := instanceFor(xr, nil, in)
		if err != nil || again != inst {
			t.Errorf("instanceFor(%q, %q): %+v, then %+v, %v", name, uid, inst, again, err)
		}
	})
}
