package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// The MongoDB properties above know what a cluster does to a StatefulSet. These hold for every
// golden path, knowing nothing of it: each example's observed steady state (observed.yaml) is
// mutated generically — an object missing, its status gone, any field dropped or given a value
// of another type, huge or odd, objects no API server would return — and the function must
// neither panic nor break checkResponse (a Fatal changes nothing; names, labels and annotations
// the API server takes; each condition once; under 1 MiB), and a second call must name the
// instance the same.

// steadyExamples are the example directories with an observed steady state, sorted.
func steadyExamples(t *testing.T) []string {
	t.Helper()
	var dirs []string
	for dir := range examples(t) {
		if exists(filepath.Join(dir, "observed.yaml")) {
			dirs = append(dirs, dir)
		}
	}
	sort.Strings(dirs)
	return dirs
}

// oddValues replace a field's value: other types, empty, huge, negative, unparsable.
//
//nolint:gochecknoglobals // A table of values, read only.
var oddValues = []any{nil, "x", float64(-1), float64(1 << 40), true, []any{}, map[string]any{}, strings.Repeat("é", 70000), "1e400", "-0"}

// leaves are the paths of an object's fields, in a stable order.
func leaves(v any, prefix []string, out *[][]string) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := append(slices.Clone(prefix), k)
			*out = append(*out, p)
			leaves(t[k], p, out)
		}
	case []any:
		for i, e := range t {
			p := append(slices.Clone(prefix), strconv.Itoa(i))
			*out = append(*out, p)
			leaves(e, p, out)
		}
	}
}

// setPath replaces (or, with remove, deletes) the value at path.
func setPath(v any, path []string, value any, remove bool) {
	for i, k := range path {
		last := i == len(path)-1
		switch t := v.(type) {
		case map[string]any:
			if last {
				if remove {
					delete(t, k)
				} else {
					t[k] = value
				}
				return
			}
			v = t[k]
		case []any:
			var n int
			if _, err := fmt.Sscan(k, &n); err != nil || n >= len(t) {
				return
			}
			if last {
				t[n] = value
				return
			}
			v = t[n]
		default:
			return
		}
	}
}

// mutateGeneric applies the mutations data selects to observed objects by pipeline name. Each
// takes three bytes: the operation (its low two bits: delete the object, drop its status, drop
// a field, set a field; for a set the rest picks one of oddValues), the object, and the field.
func mutateGeneric(observed map[string]map[string]any, data []byte) []string {
	names := make([]string, 0, len(observed))
	for n := range observed {
		names = append(names, n)
	}
	sort.Strings(names)
	var applied []string
	for i := 0; i+2 < len(data) && len(applied) < 6 && len(names) > 0; i += 3 {
		name := names[int(data[i+1])%len(names)]
		o := observed[name]
		if o == nil {
			continue
		}
		var paths [][]string
		leaves(o, nil, &paths)
		switch data[i] % 4 {
		case 0:
			delete(observed, name)
			applied = append(applied, "delete "+name)
		case 1:
			delete(o, "status")
			applied = append(applied, "no status on "+name)
		case 2:
			if len(paths) > 0 {
				p := paths[int(data[i+2])%len(paths)]
				setPath(o, p, nil, true)
				applied = append(applied, fmt.Sprintf("drop %s.%s", name, strings.Join(p, ".")))
			}
		case 3: // The operation's byte picks the value too, so that any value reaches any field.
			if len(paths) > 0 {
				p := paths[int(data[i+2])%len(paths)]
				v := oddValues[int(data[i]/4)%len(oddValues)]
				setPath(o, p, v, false)
				applied = append(applied, fmt.Sprintf("set %s.%s", name, strings.Join(p, ".")))
			}
		}
	}
	return applied
}

// runExample runs the function on an example's mutated steady state and checks the invariants.
func runExample(t *testing.T, dir string, data []byte) {
	t.Helper()
	observed := map[string]map[string]any{}
	for name, r := range objects(t, readFile(t, filepath.Join(dir, "observed.yaml"))...) {
		observed[name] = r.GetResource().AsMap()
	}
	applied := mutateGeneric(observed, data)
	req := newRequest(t, compositionInput(t, dir), readFile(t, filepath.Join(dir, "xr.yaml"))[0], nil, nil)
	req.Observed.Resources = map[string]*fnv1.Resource{}
	for name, o := range observed {
		s, err := structpb.NewStruct(o)
		if err != nil {
			continue // A value protobuf cannot hold never arrives from Crossplane.
		}
		req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
	}
	t.Logf("%s: %v", dir, applied)
	rsp := run(t, proto.CloneOf(req))
	checkResponse(t, req, rsp)
	again := run(t, proto.CloneOf(req))
	status := func(r *fnv1.RunFunctionResponse) any {
		s, _ := r.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
		return s["instanceName"]
	}
	if status(rsp) != status(again) {
		t.Errorf("%s: instance name differs between two calls: %v, %v", dir, status(rsp), status(again))
	}
}

// TestEveryExampleUnderMutation sweeps single mutations of every object of every example.
func TestEveryExampleUnderMutation(t *testing.T) {
	for _, dir := range steadyExamples(t) {
		for op := range byte(4) {
			for obj := range byte(12) {
				for i, arg := range []byte{0, 67, 134} {
					code := op
					if op == 3 { // Each of oddValues on some field of some object.
						code += 4 * byte((int(obj)*3+i)%len(oddValues))
					}
					t.Run(fmt.Sprintf("%s/%d-%d-%d", filepath.Base(dir), code, obj, arg), func(t *testing.T) {
						runExample(t, dir, []byte{code, obj, arg})
					})
				}
			}
		}
	}
}

// FuzzEveryExample explores mutation programs on every example's steady state.
func FuzzEveryExample(f *testing.F) {
	f.Add(uint8(0), []byte{3, 0, 5, 2, 1, 9})
	f.Add(uint8(1), []byte{1, 2, 0, 3, 0, 200})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dirs := steadyExamples(t)
		if len(data) > 18 {
			data = data[:18]
		}
		runExample(t, dirs[int(which)%len(dirs)], data)
	})
}
