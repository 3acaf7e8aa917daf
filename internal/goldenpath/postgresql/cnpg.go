package postgresql

import (
	"cmp"
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// clusterGVK is CloudNativePG's Cluster, composed instead of the StatefulSet when the Input's
// postgresql.implementation is CloudNativePG.
//
//nolint:gochecknoglobals // A constant kind.
var clusterGVK = schema.GroupVersionKind{Group: "postgresql.cnpg.io", Version: "v1", Kind: "Cluster"}

const (
	cnpgRegistry   = "ghcr.io"
	cnpgRepository = "cloudnative-pg/postgresql"
)

// composeCluster composes a CloudNativePG Cluster: the operator runs the members, fails over,
// generates the <cluster>-app Secret and the -rw, -ro and -r Services. The guards read the
// observed Cluster: its major, its volumes' size and class and its database stay.
func composeCluster(r goldenpath.Request, p params) (*goldenpath.Composition, error) {
	observed, err := observedCluster(r)
	if err != nil {
		return nil, err
	}
	b := build{Request: r, params: p, names: namesFor(r.Instance), database: p.Database, owner: p.Owner}
	refused := settleCluster(&b, observed)
	resources, err := goldenpath.Compose(b, []goldenpath.Component[build]{{Name: ClusterName, Build: cluster, Workload: true}})
	if err != nil {
		return nil, err
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Version:     b.Version,
		Description: b.describe() + " on CloudNativePG",
		About:       about(r),
		Links:       links(),
		Status:      statusOf(r, b.params, b.names.Instance+"-app", b.names.Instance+"-ro"),
		Refused:     refused,
	}, nil
}

// clusterSpec is what the guards read of an observed Cluster.
type clusterSpec struct {
	ImageName string `json:"imageName"`
	Storage   struct {
		Size         *resource.Quantity `json:"size"`
		StorageClass string             `json:"storageClass"`
	} `json:"storage"`
	Bootstrap struct {
		Initdb struct {
			Database string `json:"database"`
			Owner    string `json:"owner"`
		} `json:"initdb"`
	} `json:"bootstrap"`
}

func observedCluster(r goldenpath.Request) (*clusterSpec, error) {
	oc, ok := r.Observed[ClusterName]
	if !ok {
		return nil, nil //nolint:nilnil // Not running yet is not an error.
	}
	cs := &clusterSpec{}
	if err := goldenpath.Decode(oc.Resource.Object["spec"], cs, "spec"); err != nil {
		return nil, fmt.Errorf("cannot read the observed Cluster %s: %w", oc.Resource.GetName(), err)
	}
	return cs, nil
}

// settleCluster keeps what a running Cluster cannot change without losing data: its major
// (unknown when its image does not tell), its volumes' class and size (they may grow), and its
// database and owner.
func settleCluster(b *build, cs *clusterSpec) []goldenpath.Refusal {
	if cs == nil {
		return nil
	}
	var refused []goldenpath.Refusal
	refuse := func(f, reason, format string, args ...any) {
		refused = append(refused, goldenpath.Refuse(specPath.Child(f), reason, format, args...))
	}
	switch running := engine.ReleaseOf(cs.ImageName); {
	case running == "":
		refuse("version", stateful.ReasonVersionUnknown, "cannot tell which PostgreSQL major the Cluster's image %q runs; the image is kept", cs.ImageName)
		b.Version, b.Image = "", cs.ImageName
	case running != b.Version:
		refuse("version", stateful.ReasonReleaseChangeRefused, "cannot change PostgreSQL from %s to %s in place: its data files need a migration; it keeps running %s. %s", running, b.Version, running, engine.Migration)
		b.Version, b.Image = running, cs.ImageName
	default:
		b.Image = cs.ImageName
	}
	if q := cs.Storage.Size; q != nil && b.Storage.Cmp(*q) < 0 {
		refuse("storageGB", stateful.ReasonStorageShrinkRefused, "cannot shrink the volumes from %s to %s without losing data; they keep %s", stateful.SizeOf(*q), stateful.SizeOf(b.Storage), stateful.SizeOf(*q))
		b.Storage = *q
	}
	if cs.Storage.StorageClass != b.StorageClassName {
		refuse("storageClassName", stateful.ReasonStorageClassChangeRefused, "the volumes exist in %q; moving them to %q needs a migration, not an update", cs.Storage.StorageClass, b.StorageClassName)
		b.StorageClassName = cs.Storage.StorageClass
	}
	for _, f := range []struct {
		field, running string
		into           *string
	}{{fieldDatabase, cs.Bootstrap.Initdb.Database, &b.database}, {fieldOwner, cs.Bootstrap.Initdb.Owner, &b.owner}} {
		if f.running != "" && f.running != *f.into {
			refuse(f.field, ReasonDatabaseChangeRefused, "the Cluster was created with %s %q, which holds its data; it stays %q", f.field, f.running, f.running)
			*f.into = f.running
		}
	}
	return refused
}

// clusterImage is the major's image of CloudNativePG's PostgreSQL images, from the Input's
// registry and repository when it sets them; a running image is kept.
func (b build) clusterImage() string {
	if b.Image != "" {
		return b.Image
	}
	return fmt.Sprintf("%s/%s:%s", cmp.Or(b.Input.Images.Registry, cnpgRegistry), cmp.Or(b.Input.Images.Repository, cnpgRepository), b.Version)
}

// cluster is the CloudNativePG Cluster. Without typed Go types (no dependency on the
// operator), it is written as the object the operator's CRD declares.
func cluster(b build) (runtime.Object, error) {
	storage := map[string]any{"size": b.Storage.String()}
	if b.StorageClassName != "" {
		storage["storageClass"] = b.StorageClassName
	}
	resources := map[string]any{"requests": quantities(b.Preset.Requests)}
	if len(b.Preset.Limits) > 0 {
		resources["limits"] = quantities(b.Preset.Limits)
	}
	parameters := map[string]any{paramSharedBuffers: fmt.Sprintf("%dMB", b.sharedBuffersMB())}
	for k, v := range b.Parameters {
		parameters[k] = v
	}
	inherited := map[string]any{goldenpath.LabelKubernetesID: b.names.Instance + "-" + componentDatabase}
	for k, v := range b.labels() {
		inherited[k] = v
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"instances":             int64(b.Replicas),
			"imageName":             b.clusterImage(),
			"primaryUpdateStrategy": "unsupervised",
			"storage":               storage,
			"resources":             resources,
			"bootstrap":             map[string]any{"initdb": map[string]any{"database": b.database, "owner": b.owner}},
			"postgresql":            map[string]any{"parameters": parameters},
			// The operator labels its pods, Services and volumes with these too, so that the
			// Backstage Kubernetes plugin finds them under the workload's entity.
			"inheritedMetadata": map[string]any{"labels": inherited},
		},
	}}
	u.SetGroupVersionKind(clusterGVK)
	u.SetName(b.names.Instance)
	ls := map[string]string{}
	maps.Copy(ls, b.labels())
	u.SetLabels(ls)
	return u, nil
}

func quantities[K ~string](rl map[K]resource.Quantity) map[string]any {
	out := make(map[string]any, len(rl))
	for k, q := range rl {
		out[string(k)] = q.String()
	}
	return out
}
