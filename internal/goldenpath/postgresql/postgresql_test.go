package postgresql

import (
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"

	fnresource "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/postgresql/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

func init() { //nolint:gochecknoinits // The SDK's scheme, as the registry fills it for the function.
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme} {
		utilruntime.Must(add(composed.Scheme))
	}
}

const instance = "postgresql-5c1e9b27"

// request is a request for an XR spec (YAML) with observed composed resources (YAML, by
// pipeline name), once Crossplane has answered that nothing else exists.
func request(t *testing.T, spec string, implementation string, observed map[fnresource.Name]string) goldenpath.Request {
	t.Helper()
	xr := composite.New()
	xr.SetAPIVersion("database.platform.io/v1alpha1")
	xr.SetKind("PostgreSQL")
	xr.SetName(instance)
	xr.SetNamespace("team-a")
	s := map[string]any{}
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatal(err)
	}
	xr.Object["spec"] = s
	in := &v1beta1.Input{GoldenPath: Name, PostgreSQL: v1beta1.PostgreSQL{Implementation: implementation}}
	in.Default()
	r := goldenpath.Request{
		XR: &fnresource.Composite{Resource: xr}, Instance: goldenpath.Instance{Name: instance, ID: "5c1e9b27"},
		Input: in, Observed: map[fnresource.Name]fnresource.ObservedComposed{}, Required: map[string][]fnresource.Required{},
	}
	for name, o := range observed {
		u := composed.New()
		if err := yaml.Unmarshal([]byte(o), &u.Object); err != nil {
			t.Fatal(err)
		}
		r.Observed[name] = fnresource.ObservedComposed{Resource: u}
	}
	for key := range (Blueprint{}).Requirements(r) {
		r.Required[key] = nil
	}
	return r
}

func secret(name string, data map[string]string) string {
	var b strings.Builder
	b.WriteString("{apiVersion: v1, kind: Secret, metadata: {name: " + name + "}, data: {")
	for k, v := range data {
		b.WriteString(k + ": " + base64.StdEncoding.EncodeToString([]byte(v)) + ", ")
	}
	b.WriteString("}}")
	return b.String()
}

func statefulSetRunning(image string, storage string) string {
	return `{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: ` + instance + `, generation: 1},
	  spec: {replicas: 3, template: {spec: {containers: [{name: postgres, image: "` + image + `"}]}},
	    volumeClaimTemplates: [{metadata: {name: data}, spec: {resources: {requests: {storage: ` + storage + `}}}}]},
	  status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: a, updateRevision: a}}`
}

func TestSpecValidation(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   string
		want   string
	}{
		"Defaults": {
			reason: "An empty spec composes with its defaults.",
			spec:   `{}`,
		},
		"UnknownParameter": {
			reason: "A parameter the golden path owns (or does not know) is refused, naming the field.",
			spec:   `{parameters: {listen_addresses: "*"}}`,
			want:   `spec.parameters[listen_addresses]: Unsupported value: "listen_addresses": supported values:`,
		},
		"MemoryWithoutUnit": {
			reason: "A size without its unit would be read in 8 kB pages for some parameters: it is refused.",
			spec:   `{parameters: {work_mem: "4096"}}`,
			want:   `spec.parameters[work_mem]: Invalid value: "4096": must be a size with its unit`,
		},
		"OutOfBounds": {
			reason: "An integer out of its bounds is refused with them.",
			spec:   `{parameters: {max_connections: "5"}}`,
			want:   `spec.parameters[max_connections]: Invalid value: "5": must be an integer, from 10 to 10000`,
		},
		"InjectionRefused": {
			reason: "A value that would write more into postgresql.conf is refused.",
			spec:   "{parameters: {statement_timeout: \"30s'\\nlisten_addresses = '*\"}}",
			want:   `spec.parameters[statement_timeout]: Invalid value:`,
		},
		"SharedBuffersAboveMemory": {
			reason: "shared_buffers must leave memory to the connections: the small preset has 1Gi.",
			spec:   `{parameters: {shared_buffers: 900MB}}`,
			want:   `spec.parameters[shared_buffers]: Invalid value: "900MB": must leave a quarter of the preset's memory (1Gi)`,
		},
		"ReservedDatabase": {
			reason: "The application's database cannot be one PostgreSQL keeps.",
			spec:   `{database: template1}`,
			want:   `spec.database: Invalid value: "template1": "template1" is kept for PostgreSQL's own use`,
		},
		"OwnerIsTheReplicationRole": {
			reason: "The owner cannot be the golden path's own roles.",
			spec:   `{owner: replicator}`,
			want:   `spec.owner: Invalid value: "replicator"`,
		},
		"UnsupportedMajor": {
			reason: "A major the official image does not ship is refused.",
			spec:   `{version: "13"}`,
			want:   `spec.version: Unsupported value: "13"`,
		},
		"TooManyMembers": {
			reason: "Members are bounded.",
			spec:   `{replicas: 6}`,
			want:   `spec.replicas: Invalid value: 6: must be from 1 (a primary alone) to 5`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Blueprint{}.Compose(request(t, tc.spec, "", nil))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("%s\nCompose(...): want an error containing %q, got %q", tc.reason, tc.want, got)
			}
		})
	}
}

// TestRefusals checks the changes that would lose data or break a running instance: they are
// not rolled out, and the refusal says why and what to do.
func TestRefusals(t *testing.T) {
	app := secret(instance+"-app", map[string]string{"username": "orders", "password": "p", "dbname": "orders"})
	others := map[fnresource.Name]string{
		SuperuserName:   secret(instance+"-superuser", map[string]string{"password": "s"}),
		ReplicationName: secret(instance+"-replication", map[string]string{"password": "r"}),
		AppName:         app,
	}
	type want struct {
		Refused []string // field: reason: message
		Image   string
		Storage string
		DBName  string
	}
	cases := map[string]struct {
		reason   string
		spec     string
		observed map[fnresource.Name]string
		want     want
	}{
		"MajorChangeRefused": {
			reason:   "A major change is never rolled out: the data directory would not open. The message says how to upgrade.",
			spec:     `{version: "17", replicas: 3, storageGB: 10, database: orders, owner: orders}`,
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:16", "10Gi")},
			want: want{
				Refused: []string{"spec.version: " + stateful.ReasonReleaseChangeRefused + ": " + "spec.version: cannot change PostgreSQL from 16 to 17 in place: its data files need a migration; it keeps running 16. " + engine.Migration},
				Image:   "docker.io/library/postgres:16", Storage: "10Gi", DBName: "orders",
			},
		},
		"MinorPinKept": {
			reason:   "A minor release pinned on the StatefulSet (postgres:17.2) is that major: no refusal; the major's tag is composed.",
			spec:     `{version: "17", replicas: 3, storageGB: 10, database: orders, owner: orders}`,
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:17.2", "10Gi")},
			want:     want{Image: "docker.io/library/postgres:17", Storage: "10Gi", DBName: "orders"},
		},
		"StorageShrinkRefused": {
			reason:   "Volumes never shrink.",
			spec:     `{version: "17", replicas: 3, storageGB: 5, database: orders, owner: orders}`,
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:17", "10Gi")},
			want: want{
				Refused: []string{"spec.storageGB: " + stateful.ReasonStorageShrinkRefused + ": " + "spec.storageGB: cannot shrink the volumes from 10 GiB to 5 GiB without losing data; they keep 10 GiB"},
				Image:   "docker.io/library/postgres:17", Storage: "10Gi", DBName: "orders",
			},
		},
		"ImageUnreadable": {
			reason:   "An image whose major cannot be read (postgres:latest, set by hand) is kept, and no major is checked against it.",
			spec:     `{version: "17", replicas: 3, storageGB: 10, database: orders, owner: orders}`,
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:latest", "10Gi")},
			want: want{
				Refused: []string{"spec.version: " + stateful.ReasonVersionUnknown + ": " + `spec.version: cannot tell which PostgreSQL release the image "docker.io/library/postgres:latest" runs, so 17 cannot be checked against it; the image is kept. Give the StatefulSet ` + instance + ` an image tagged with its release (postgres:16, or postgres:16@sha256:… to pin a digest)`},
				Image:   "docker.io/library/postgres:latest", Storage: "10Gi", DBName: "orders",
			},
		},
		"StorageInOtherUnits": {
			reason:   "A volume template of 10G (not 10Gi) is compared as a quantity and kept in its units: 10 GiB is a grow, refused as the template cannot change.",
			spec:     `{version: "17", replicas: 3, storageGB: 10, database: orders, owner: orders}`,
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:17", "10G")},
			want: want{
				Refused: []string{"spec.storageGB: " + stateful.ReasonStorageResizeUnsupported + ": " + "spec.storageGB: the StatefulSet's volume template cannot change from 10G to 10 GiB; grow each PersistentVolumeClaim data-" + instance + "-<n> instead (its storage class must allow expansion)"},
				Image:   "docker.io/library/postgres:17", Storage: "10G", DBName: "orders",
			},
		},
		"DatabaseRenameRefused": {
			reason:   "The database exists with its data: a new name in the spec is not a rename.",
			spec:     `{version: "17", replicas: 3, storageGB: 10, database: shop, owner: orders}`,
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:17", "10Gi")},
			want: want{
				Refused: []string{"spec.database: " + ReasonDatabaseChangeRefused + ": " + `spec.database: the instance's database is "orders" and holds its data; it stays "orders". Rename it with SQL (ALTER DATABASE … RENAME TO / ALTER ROLE … RENAME TO) and the Secret ` + instance + `-app, or set spec.database back`},
				Image:   "docker.io/library/postgres:17", Storage: "10Gi", DBName: "orders",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			observed := maps.Clone(others)
			maps.Copy(observed, tc.observed)
			c, err := Blueprint{}.Compose(request(t, tc.spec, "", observed))
			if err != nil {
				t.Fatal(err)
			}
			var got want
			for _, rf := range c.Refused {
				got.Refused = append(got.Refused, rf.Field.String()+": "+rf.Reason+": "+rf.Message)
			}
			for _, r := range c.Resources {
				switch r.Name {
				case StatefulSetName:
					got.Image, _ = goldenpathtest.Composed(t, r.Object).GetString("spec.template.spec.containers[0].image")
					got.Storage, _ = goldenpathtest.Composed(t, r.Object).GetString("spec.volumeClaimTemplates[0].spec.resources.requests.storage")
				case AppName:
					enc, _ := goldenpathtest.Composed(t, r.Object).GetString("data.dbname")
					dec, _ := base64.StdEncoding.DecodeString(enc)
					got.DBName = string(dec)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestSecretsAreNeverRegenerated checks that a Secret gone while the StatefulSet runs, or
// while the volume of an earlier instance exists, stops the composition rather than
// generating a password the data does not know.
func TestSecretsAreNeverRegenerated(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed map[fnresource.Name]string
		volume   bool
		want     string
	}{
		"GoneWhileRunning": {
			reason:   "The superuser Secret was deleted while the members run.",
			observed: map[fnresource.Name]string{StatefulSetName: statefulSetRunning("docker.io/library/postgres:17", "10Gi")},
			want:     "the Secret postgresql-superuser is gone while StatefulSet " + instance + " still uses its \"password\"",
		},
		"VolumeOfAnEarlierInstance": {
			reason: "An XR re-created over the volume of an earlier instance of its name, without its Secrets.",
			volume: true,
			want:   "the volume data-" + instance + "-0 of an earlier instance with this name exists",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := request(t, `{}`, "", tc.observed)
			if tc.volume {
				u := composed.New()
				u.SetAPIVersion("v1")
				u.SetKind("PersistentVolumeClaim")
				u.SetName("data-" + instance + "-0")
				r.Required[requiredVolumes] = []fnresource.Required{{Resource: &u.Unstructured}}
			}
			_, err := Blueprint{}.Compose(r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nCompose(...): want an error containing %q, got %v", tc.reason, tc.want, err)
			}
		})
	}
}

// TestSummarizeNamesTheMember checks that DatabaseReady names the primary or standby waited for.
func TestSummarizeNamesTheMember(t *testing.T) {
	r := request(t, `{replicas: 3}`, "", map[fnresource.Name]string{
		StatefulSetName: statefulSetRunning("docker.io/library/postgres:17", "10Gi"),
		SuperuserName:   secret(instance+"-superuser", map[string]string{"password": "s"}),
		AppName:         secret(instance+"-app", map[string]string{"username": "app", "password": "p", "dbname": "app"}),
		ReplicationName: secret(instance+"-replication", map[string]string{"password": "r"}),
	})
	c, err := Blueprint{}.Compose(r)
	if err != nil {
		t.Fatal(err)
	}
	pod := func(n string, ready bool) fnresource.Required {
		status := "False"
		if ready {
			status = "True"
		}
		u := composed.New()
		u.Object = map[string]any{
			"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": n},
			"status": map[string]any{"phase": "Running", "conditions": []any{map[string]any{"type": "Ready", "status": status, "reason": "ContainersNotReady"}}},
		}
		return fnresource.Required{Resource: &u.Unstructured}
	}
	r.Required[requiredPods] = []fnresource.Required{pod(instance+"-0", false), pod(instance+"-1", true)}
	rs := make([]goldenpath.Readiness, 0, len(c.Resources))
	for _, res := range c.Resources {
		rd := goldenpath.Readiness{Resource: res, State: goldenpath.Ready, Observed: goldenpathtest.Composed(t, res.Object)}
		if res.Name == StatefulSetName {
			rd.State, rd.Observed = goldenpath.Waiting, r.Observed[StatefulSetName].Resource
			_ = rd.Observed.SetValue("status.readyReplicas", 1)
		}
		rs = append(rs, rd)
	}
	got := Blueprint{}.Summarize(r, c, rs)
	want := goldenpath.Summary{
		Condition: ConditionDatabaseReady, Reason: ReasonWaitingForMembers,
		Message: "1/3 replicas ready; waiting for primary " + instance + "-0 (ContainersNotReady), standby " + instance + "-2 (not created)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize(...): -want, +got:\n%s", diff)
	}
}

// TestCloudNativePG checks the Input option that composes a CloudNativePG Cluster, and its
// guards against the observed Cluster.
func TestCloudNativePG(t *testing.T) {
	spec := `{version: "16", replicas: 3, storageGB: 20, database: orders, owner: orders, parameters: {max_connections: "200"}}`
	c, err := Blueprint{}.Compose(request(t, spec, v1beta1.PostgreSQLCloudNativePG, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Resources) != 1 || c.Resources[0].Name != ClusterName || !c.Resources[0].Workload {
		t.Fatalf("want the Cluster alone, as the workload; got %+v", c.Resources)
	}
	got := goldenpathtest.Composed(t, c.Resources[0].Object).Object
	want := map[string]any{
		"instances": float64(3), "imageName": "ghcr.io/cloudnative-pg/postgresql:16", "primaryUpdateStrategy": "unsupervised",
		"storage":    map[string]any{"size": "20Gi"},
		"resources":  map[string]any{"requests": map[string]any{"cpu": "250m", "memory": "1Gi"}, "limits": map[string]any{"memory": "1Gi"}},
		"bootstrap":  map[string]any{"initdb": map[string]any{"database": "orders", "owner": "orders"}},
		"postgresql": map[string]any{"parameters": map[string]any{"max_connections": "200", "shared_buffers": "256MB"}},
		"inheritedMetadata": map[string]any{"labels": map[string]any{
			"app.kubernetes.io/component": "database", "app.kubernetes.io/instance": instance, "app.kubernetes.io/name": "postgresql",
			"backstage.io/kubernetes-id": instance + "-database",
		}},
	}
	if diff := cmp.Diff(want, got["spec"]); diff != "" {
		t.Errorf("Cluster spec: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff("postgresql.cnpg.io/v1/Cluster/"+instance, got["apiVersion"].(string)+"/Cluster/"+c.Resources[0].Object.GetName()); diff != "" {
		t.Errorf("Cluster: %s", diff)
	}
	if diff := cmp.Diff(v1alpha1.Status{Endpoint: instance + "-rw.team-a.svc:5432", ReadEndpoint: instance + "-ro.team-a.svc:5432", ConnectionSecret: instance + "-app", Version: "16"}, c.Status); diff != "" {
		t.Errorf("status: -want, +got:\n%s", diff)
	}

	observed := map[fnresource.Name]string{ClusterName: `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: ` + instance + `},
	  spec: {instances: 3, imageName: "ghcr.io/cloudnative-pg/postgresql:15.8", storage: {size: 30Gi}, bootstrap: {initdb: {database: orders, owner: orders}}}}`}
	c, err = Blueprint{}.Compose(request(t, spec, v1beta1.PostgreSQLCloudNativePG, observed))
	if err != nil {
		t.Fatal(err)
	}
	reasons := make([]string, 0, len(c.Refused))
	for _, rf := range c.Refused {
		reasons = append(reasons, rf.Field.String()+" "+rf.Reason)
	}
	if diff := cmp.Diff([]string{"spec.version ReleaseChangeRefused", "spec.storageGB StorageShrinkRefused"}, reasons); diff != "" {
		t.Errorf("refusals against a running 15 of 30Gi: -want, +got:\n%s", diff)
	}
	img, _ := goldenpathtest.Composed(t, c.Resources[0].Object).GetString("spec.imageName")
	size, _ := goldenpathtest.Composed(t, c.Resources[0].Object).GetString("spec.storage.size")
	if img != "ghcr.io/cloudnative-pg/postgresql:15.8" || size != "30Gi" {
		t.Errorf("the Cluster keeps its image and size: got %s, %s", img, size)
	}

	// A size no API writes is refused before it is parsed (resource.ParseQuantity would take
	// minutes over it), naming the field; the names the refusals quote are cut.
	observed = map[fnresource.Name]string{ClusterName: `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: ` + instance + `},
	  spec: {instances: 3, imageName: "ghcr.io/cloudnative-pg/postgresql:16", storage: {size: "1e-999999999"}}}`}
	_, err = Blueprint{}.Compose(request(t, spec, v1beta1.PostgreSQLCloudNativePG, observed))
	if diff := cmp.Diff(`cannot read the observed Cluster `+instance+`: spec.storage.size: "1e-999999999": not a quantity any Kubernetes API writes (an exponent of more than 3 digits, or more than 100 characters)`, fmt.Sprint(err)); diff != "" {
		t.Errorf("an absurd size: -want, +got:\n%s", diff)
	}
	long := strings.Repeat("d", 1000)
	observed = map[fnresource.Name]string{ClusterName: `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: ` + instance + `},
	  spec: {instances: 3, imageName: "ghcr.io/cloudnative-pg/postgresql:16", storage: {size: 20Gi}, bootstrap: {initdb: {database: ` + long + `, owner: orders}}}}`}
	c, err = Blueprint{}.Compose(request(t, spec, v1beta1.PostgreSQLCloudNativePG, observed))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Refused) != 1 || !strings.Contains(c.Refused[0].Message, `"`+long[:goldenpath.MaxMessage]+`…"`) || len(c.Refused[0].Message) > 1024 {
		t.Errorf("a database of 1000 bytes is refused, quoted cut at %d bytes: %+v", goldenpath.MaxMessage, c.Refused)
	}
}
