// Command gen writes the RunFunctionRequests that `make bench` sends, from the repository's
// examples, so that the benchmark follows them:
//
//	testdata/<example>/<xr>.fresh.json   every XR of example/<example>/ (a YAML document of the
//	                                     Composition's compositeTypeRef), nothing observed:
//	                                     a new instance
//	testdata/<example>/xr.steady.json    example/<example>/xr.yaml with observed.yaml as the
//	                                     observed composed resources: the steady state
//	testdata/<example>/<xr>.cluster.json cluster/<example>/<xr>.yaml: the steady state as the
//	                                     API server returns it (status, defaults and
//	                                     managedFields), which make bench-capture records from
//	                                     the e2e control plane: the XR, then what it composes
//
// The Function's input is the one the example's Composition passes to the pipeline step whose
// functionRef names the function (-function). An XR without a UID gets a fixed one, as the API
// server would give it one. Desired state is empty, as Crossplane sends it to the first step.
//
// usage (from hack/bench): go run ./gen [-examples ../../example] [-cluster cluster] [-o testdata] [-check]
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Files of an example directory with a meaning of their own.
const (
	compositionFile = "composition.yaml"
	observedFile    = "observed.yaml"
	steadyXRFile    = "xr.yaml"
	resourceNameKey = "crossplane.io/composition-resource-name"
)

func main() {
	var (
		examples = flag.String("examples", "../../example", "directory holding one directory per example")
		cluster  = flag.String("cluster", "cluster", "directory of the steady states recorded from a control plane, <example>/<xr>.yaml")
		out      = flag.String("o", "testdata", "directory to write the requests into")
		fn       = flag.String("function", "function-golden-path", "functionRef name of the pipeline step whose input the requests carry")
		check    = flag.Bool("check", false, "write nothing; fail when the files in -o differ from what would be written")
	)
	flag.Parse()
	files, err := generate(*examples, *cluster, *fn)
	if err == nil {
		if *check {
			err = compare(*out, files)
		} else {
			err = write(*out, files)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generate returns the request files by path relative to the output directory.
func generate(examples, cluster, fn string) (map[string][]byte, error) {
	dirs, err := os.ReadDir(examples)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(examples, d.Name())
		if _, err := os.Stat(filepath.Join(dir, compositionFile)); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		reqs, err := requestsOf(dir, fn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		if err := recorded(reqs, filepath.Join(cluster, d.Name()), dir, fn); err != nil {
			return nil, err
		}
		for name, req := range reqs {
			b, err := encode(req)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", dir, name, err)
			}
			files[filepath.Join(d.Name(), name)] = b
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no example under %s has a %s", examples, compositionFile)
	}
	return files, nil
}

// requestsOf returns the requests of one example directory by file name.
func requestsOf(dir, fn string) (map[string]*fnv1.RunFunctionRequest, error) {
	in, apiVersion, kind, err := pipelineInput(filepath.Join(dir, compositionFile), fn)
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	reqs := map[string]*fnv1.RunFunctionRequest{}
	xrs := map[string]*structpb.Struct{}
	for _, p := range paths {
		docs, err := readYAML(p)
		if err != nil {
			return nil, err
		}
		if len(docs) != 1 || docs[0]["apiVersion"] != apiVersion || docs[0]["kind"] != kind {
			continue
		}
		base := filepath.Base(p)
		xr, err := xrOf(docs[0], filepath.Base(dir)+"/"+base)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		xrs[base] = xr
		reqs[strings.TrimSuffix(base, ".yaml")+".fresh.json"] = request(in, xr, nil)
	}
	if len(xrs) == 0 {
		return nil, fmt.Errorf("no %s %s XR", apiVersion, kind)
	}

	observedPath := filepath.Join(dir, observedFile)
	if _, err := os.Stat(observedPath); errors.Is(err, fs.ErrNotExist) {
		return reqs, nil
	}
	xr, ok := xrs[steadyXRFile]
	if !ok {
		return nil, fmt.Errorf("%s has no %s XR to observe it with", observedFile, steadyXRFile)
	}
	observed, err := composed(observedPath)
	if err != nil {
		return nil, err
	}
	reqs[strings.TrimSuffix(steadyXRFile, ".yaml")+".steady.json"] = request(in, xr, observed)
	return reqs, nil
}

// recorded adds the requests of the steady states recorded for an example: each file holds
// the XR, then its composed resources.
func recorded(reqs map[string]*fnv1.RunFunctionRequest, recordings, dir, fn string) error {
	paths, err := filepath.Glob(filepath.Join(recordings, "*.yaml"))
	if err != nil || len(paths) == 0 {
		return err
	}
	in, _, _, err := pipelineInput(filepath.Join(dir, compositionFile), fn)
	if err != nil {
		return err
	}
	for _, p := range paths {
		docs, err := readYAML(p)
		if err != nil {
			return err
		}
		if len(docs) < 2 {
			return fmt.Errorf("%s: want the XR and its composed resources", p)
		}
		xr, err := structpb.NewStruct(docs[0])
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		observed, err := composedOf(p, docs[1:])
		if err != nil {
			return err
		}
		reqs[strings.TrimSuffix(filepath.Base(p), ".yaml")+".cluster.json"] = request(in, xr, observed)
	}
	return nil
}

// pipelineInput returns the input of the Composition's step that calls the function, and
// the Composition's composite type.
func pipelineInput(path, fn string) (*structpb.Struct, string, string, error) {
	docs, err := readYAML(path)
	if err != nil {
		return nil, "", "", err
	}
	var c struct {
		Spec struct {
			CompositeTypeRef struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			} `json:"compositeTypeRef"`
			Pipeline []struct {
				FunctionRef struct {
					Name string `json:"name"`
				} `json:"functionRef"`
				Input map[string]any `json:"input"`
			} `json:"pipeline"`
		} `json:"spec"`
	}
	if len(docs) != 1 {
		return nil, "", "", fmt.Errorf("%s: want one Composition, got %d documents", path, len(docs))
	}
	if err := convert(docs[0], &c); err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range c.Spec.Pipeline {
		if s.FunctionRef.Name != fn {
			continue
		}
		in, err := structpb.NewStruct(s.Input)
		if err != nil {
			return nil, "", "", fmt.Errorf("%s: input: %w", path, err)
		}
		return in, c.Spec.CompositeTypeRef.APIVersion, c.Spec.CompositeTypeRef.Kind, nil
	}
	return nil, "", "", fmt.Errorf("%s: no pipeline step calls %s", path, fn)
}

// xrOf returns the XR as Crossplane sends it: with a UID, fixed per example file.
func xrOf(doc map[string]any, id string) (*structpb.Struct, error) {
	meta, _ := doc["metadata"].(map[string]any)
	if meta == nil {
		return nil, errors.New("no metadata")
	}
	if _, ok := meta["uid"]; !ok {
		sum := sha256.Sum256([]byte(id))
		h := hex.EncodeToString(sum[:16])
		meta["uid"] = h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	return structpb.NewStruct(doc)
}

// composed returns the observed composed resources of a file, by their pipeline names.
func composed(path string) (map[string]*fnv1.Resource, error) {
	docs, err := readYAML(path)
	if err != nil {
		return nil, err
	}
	return composedOf(path, docs)
}

// composedOf returns composed resources by their pipeline names.
func composedOf(path string, docs []map[string]any) (map[string]*fnv1.Resource, error) {
	out := map[string]*fnv1.Resource{}
	for i, d := range docs {
		meta, _ := d["metadata"].(map[string]any)
		annotations, _ := meta["annotations"].(map[string]any)
		name, _ := annotations[resourceNameKey].(string)
		if name == "" {
			return nil, fmt.Errorf("%s: document %d has no %s annotation", path, i+1, resourceNameKey)
		}
		s, err := structpb.NewStruct(d)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i+1, err)
		}
		out[name] = &fnv1.Resource{Resource: s}
	}
	return out, nil
}

func request(in, xr *structpb.Struct, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	return &fnv1.RunFunctionRequest{
		Input:    in,
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}, Resources: observed},
		Desired:  &fnv1.State{},
	}
}

// encode writes a request as protojson, indented and with sorted keys, so that the files
// are stable (protojson's own output varies its whitespace on purpose).
func encode(req *fnv1.RunFunctionRequest) ([]byte, error) {
	b, err := protojson.Marshal(req)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	b, err = json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// readYAML returns the non-empty documents of a YAML file.
func readYAML(path string) ([]map[string]any, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the examples of this repository
	if err != nil {
		return nil, err
	}
	var docs []map[string]any
	for d := range bytes.SplitSeq(b, []byte("\n---\n")) {
		var m map[string]any
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(m) > 0 {
			docs = append(docs, m)
		}
	}
	return docs, nil
}

func convert(from map[string]any, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// write replaces the request files in out that changed, and removes those of examples that
// are gone.
func write(out string, files map[string][]byte) error {
	stale, err := existing(out)
	if err != nil {
		return err
	}
	for _, p := range stale {
		if _, ok := files[p]; !ok {
			if err := os.Remove(filepath.Join(out, p)); err != nil {
				return err
			}
			fmt.Fprintln(os.Stderr, "removed", filepath.Join(out, p))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(out, p)
		if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, files[p]) { //nolint:gosec // a path this command generates
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[p], 0o600); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", path)
	}
	return nil
}

// compare fails when the files in out are not the ones write would leave there.
func compare(out string, files map[string][]byte) error {
	have, err := existing(out)
	if err != nil {
		return err
	}
	var stale []string
	for _, p := range have {
		if _, ok := files[p]; !ok {
			stale = append(stale, p+" (no longer generated)")
		}
	}
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(out, p)) //nolint:gosec // a path this command generates
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, p)
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		return fmt.Errorf("%s is out of date (run go run ./gen in hack/bench): %s", out, strings.Join(stale, ", "))
	}
	return nil
}

// existing returns the .json files under out, relative to it.
func existing(out string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == out {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || filepath.Ext(p) != ".json" {
			return nil
		}
		rel, err := filepath.Rel(out, p)
		paths = append(paths, rel)
		return err
	})
	return paths, err
}
