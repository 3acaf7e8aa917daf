package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

//nolint:gochecknoglobals // API coordinates.
var (
	gvrPostgreSQL = schema.GroupVersionResource{Group: "database.platform.io", Version: "v1alpha1", Resource: "postgresqls"}
	gvrCNPG       = schema.GroupVersionResource{Group: "postgresql.cnpg.io", Version: "v1", Resource: "clusters"}
	gvrCRD        = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// pgState waits for a PostgreSQL XR to hold.
func pgState(t *testing.T, name, what string, check func(u *unstructured.Unstructured) error) {
	t.Helper()
	eventually(t, waitReady, fmt.Sprintf("PostgreSQL %s: %s", name, what), func() error {
		u, err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := check(u); err != nil {
			return fmt.Errorf("%w%s", err, describe(u))
		}
		return nil
	})
}

func patchPostgreSQL(t *testing.T, name string, spec map[string]any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Patch(t.Context(), name, types.MergePatchType, b, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch PostgreSQL %s with %s: %v", name, b, err)
	}
}

func ready(u *unstructured.Unstructured) error {
	if err := wantCondition(u, "Ready", "True"); err != nil {
		return err
	}
	return wantCondition(u, "DatabaseReady", "True")
}

// TestPostgreSQL runs the day-2 stages of a primary with two standbys: a member not ready is
// named in DatabaseReady, a parameter change rolls the members, a major version change is
// refused with the way to upgrade and changes nothing, and deletion keeps the volumes.
func TestPostgreSQL(t *testing.T) {
	ctx := t.Context()
	k := startKubelet(t, false)
	u := loadXR(t, "postgresql.yaml")
	name := u.GetName()
	if _, err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Create(ctx, u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create PostgreSQL %s: %v", name, err)
	}
	pgState(t, name, "Ready and DatabaseReady", ready)
	sts := func(t *testing.T) *appsv1.StatefulSet {
		t.Helper()
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("MemberNotReadyIsNamed", func(t *testing.T) {
		k.setReady(name+"-1", false)
		pgState(t, name, "DatabaseReady False naming the standby", func(u *unstructured.Unstructured) error {
			return wantCondition(u, "DatabaseReady", "False", "waiting for standby "+name+"-1")
		})
		k.setReady(name+"-1", true)
		pgState(t, name, "Ready again", ready)
	})

	t.Run("ParameterChangeRollsTheMembers", func(t *testing.T) {
		ctx := t.Context()
		before := sts(t).Spec.Template.Annotations["postgresql.platform.io/config-hash"]
		patchPostgreSQL(t, name, map[string]any{"parameters": map[string]any{"max_connections": "300"}})
		eventually(t, waitCompose, "the ConfigMap to hold max_connections = '300' and the pod template a new config hash", func() error {
			cm, err := c.kube.CoreV1().ConfigMaps(c.ns).Get(ctx, name+"-config", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !strings.Contains(cm.Data["postgresql.conf"], "max_connections = '300'") {
				return fmt.Errorf("postgresql.conf:\n%s", cm.Data["postgresql.conf"])
			}
			if after := sts(t).Spec.Template.Annotations["postgresql.platform.io/config-hash"]; after == before {
				return fmt.Errorf("config hash still %s", after)
			}
			return nil
		})
		eventually(t, waitReady, "the StatefulSet to roll the new template out to its 3 members", func() error {
			s := sts(t)
			if st := s.Status; st.ObservedGeneration < s.Generation || st.UpdatedReplicas != 3 || st.ReadyReplicas != 3 || st.CurrentRevision != st.UpdateRevision {
				return fmt.Errorf("status %+v at generation %d", st, s.Generation)
			}
			return nil
		})
		pgState(t, name, "Ready after the rollout", ready)
	})

	t.Run("MajorChangeRefused", func(t *testing.T) {
		patchPostgreSQL(t, name, map[string]any{"version": "18"})
		pgState(t, name, "SpecAccepted False, ReleaseChangeRefused, naming pg_upgrade", func(u *unstructured.Unstructured) error {
			if got := conditionOf(u, "SpecAccepted"); got.Reason != "ReleaseChangeRefused" {
				return fmt.Errorf("SpecAccepted is %s", got)
			}
			return wantCondition(u, "SpecAccepted", "False", "from 17 to 18", "pg_upgrade")
		})
		if img := sts(t).Spec.Template.Spec.Containers[0].Image; !strings.HasSuffix(img, "postgres:17") {
			t.Errorf("the StatefulSet's image: want postgres:17 kept, got %s", img)
		}
		patchPostgreSQL(t, name, map[string]any{"version": "17"})
		pgState(t, name, "SpecAccepted True again", func(u *unstructured.Unstructured) error { return wantCondition(u, "SpecAccepted", "True") })
	})

	t.Run("DeletionKeepsTheVolumes", func(t *testing.T) {
		ctx := t.Context()
		if err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, waitDelete, "the XR and its StatefulSet to be gone", func() error {
			if _, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, name, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
				return fmt.Errorf("StatefulSet still there (%w)", err)
			}
			_, err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Get(ctx, name, metav1.GetOptions{})
			if !kerrors.IsNotFound(err) {
				return fmt.Errorf("XR still there (%w)", err)
			}
			return nil
		})
		for i := range 3 {
			pvc := fmt.Sprintf("data-%s-%d", name, i)
			if _, err := c.kube.CoreV1().PersistentVolumeClaims(c.ns).Get(ctx, pvc, metav1.GetOptions{}); err != nil {
				t.Errorf("PersistentVolumeClaim %s after the XR's deletion: %v", pvc, err)
			}
		}
	})
}

// TestCloudNativePG composes example/postgresql-cnpg/xr.yaml against a hand-written Cluster CRD,
// with no operator: the test plays the operator's status. The XR waits, naming the operator,
// becomes Ready with the operator's healthy status, refuses a major change on the Cluster,
// and its Cluster goes with it.
func TestCloudNativePG(t *testing.T) {
	ctx := t.Context()
	crd := loadXR(t, "cnpg-cluster-crd.yaml")
	crd.SetNamespace("")
	if _, err := c.dyn.Resource(gvrCRD).Create(ctx, crd, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		t.Fatalf("create the Cluster CRD: %v", err)
	}
	eventually(t, waitCompose, "the Cluster CRD to be Established", func() error {
		got, err := c.dyn.Resource(gvrCRD).Get(ctx, crd.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		return wantCondition(got, "Established", "True")
	})

	u := &unstructured.Unstructured{}
	readYAML(t, filepath.Join("..", "..", "example", "postgresql-cnpg", "xr.yaml"), &u.Object)
	u.SetNamespace(c.ns)
	name := u.GetName()
	if _, err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Create(ctx, u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create PostgreSQL %s: %v", name, err)
	}
	clusters := c.dyn.Resource(gvrCNPG).Namespace(c.ns)
	pgState(t, name, "waiting for the operator, with its Cluster composed", func(u *unstructured.Unstructured) error {
		if _, err := clusters.Get(ctx, name, metav1.GetOptions{}); err != nil {
			return err
		}
		return wantCondition(u, "DatabaseReady", "False", "waiting for the CloudNativePG Cluster "+name)
	})

	// The operator's status once the instances run.
	status, err := json.Marshal(map[string]any{"status": map[string]any{
		"phase": "Cluster in healthy state", "instances": 3, "readyInstances": 3,
		"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "ClusterIsReady", "message": "Cluster is Ready", "lastTransitionTime": metav1.Now().UTC().Format("2006-01-02T15:04:05Z")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusters.Patch(ctx, name, types.MergePatchType, status, metav1.PatchOptions{}, "status"); err != nil {
		t.Fatalf("play the operator's status: %v", err)
	}
	pgState(t, name, "Ready with the operator's Secret and Services in its status", func(u *unstructured.Unstructured) error {
		if err := ready(u); err != nil {
			return err
		}
		for field, want := range map[string]string{"connectionSecret": name + "-app", "endpoint": name + "-rw." + c.ns + ".svc:5432", "readEndpoint": name + "-ro." + c.ns + ".svc:5432"} {
			if got := statusString(u, field); got != want {
				return fmt.Errorf("status.%s is %q, want %q", field, got, want)
			}
		}
		return nil
	})

	patchPostgreSQL(t, name, map[string]any{"version": "16"})
	pgState(t, name, "a major change refused", func(u *unstructured.Unstructured) error {
		return wantCondition(u, "SpecAccepted", "False", "from 17 to 16")
	})
	cl, err := clusters.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img, _, _ := unstructured.NestedString(cl.Object, "spec", "imageName"); img != "ghcr.io/cloudnative-pg/postgresql:17" {
		t.Errorf("the Cluster's imageName: want the running major's kept, got %s", img)
	}

	if err := c.dyn.Resource(gvrPostgreSQL).Namespace(c.ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitDelete, "the XR and its Cluster to be gone", func() error {
		if _, err := clusters.Get(ctx, name, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
			return fmt.Errorf("Cluster still there (%w)", err)
		}
		return nil
	})
}
