package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var gvrValkey = schema.GroupVersionResource{Group: "cache.platform.io", Version: "v1alpha1", Resource: "valkeys"} //nolint:gochecknoglobals // API coordinates.

// TestValkey runs a Valkey with replicas through its day-2 stages: create → ready, a member
// not ready named in CacheReady, an update that rolls out (maxmemoryPolicy), a refused change
// (persistence off) that keeps what runs, and deletion keeping the volumes.
func TestValkey(t *testing.T) {
	k := startKubelet(t, false)
	xrs := c.dyn.Resource(gvrValkey).Namespace(c.ns)
	u := &unstructured.Unstructured{}
	readYAML(t, filepath.Join("..", "..", "example", "valkey", "xr.yaml"), &u.Object)
	// Not the example's name: TestExamples leaves that one's volumes behind.
	const name = "valkey-0d2e4f61"
	u.SetName(name)
	u.SetNamespace(c.ns)
	if _, err := xrs.Create(t.Context(), u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Valkey %s: %v", name, err)
	}
	state := func(check func(u *unstructured.Unstructured) error) func() error {
		return func() error {
			got, err := xrs.Get(t.Context(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if err := check(got); err != nil {
				return fmt.Errorf("%w%s", err, describe(got))
			}
			return nil
		}
	}
	ready := state(func(u *unstructured.Unstructured) error {
		if err := observedCurrent(u); err != nil {
			return err
		}
		if err := wantCondition(u, "Ready", "True"); err != nil {
			return err
		}
		return wantReason(u, "CacheReady", "True", "Available", "primary with 2 replicas")
	})

	eventually(t, 2*time.Minute, "Valkey "+name+" Ready and CacheReady", ready)
	got, err := xrs.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{
		"endpoint": name + "." + c.ns + ".svc:6379", "sentinelEndpoint": name + "-sentinel." + c.ns + ".svc:26379",
		"connectionSecret": name + "-credentials", "version": "8.1", "persistence": "AOF", "masterName": "primary",
	} {
		if s := statusString(got, field); s != want {
			t.Errorf("status.%s: want %q, got %q", field, want, s)
		}
	}
	secret, err := c.kube.CoreV1().Secrets(c.ns).Get(t.Context(), name+"-credentials", metav1.GetOptions{})
	if err != nil || len(secret.Data["password"]) != 32 {
		t.Fatalf("credentials Secret: want a 32-character password: %v", err)
	}
	password := string(secret.Data["password"])

	t.Run("MemberNotReady", func(t *testing.T) {
		pod := name + "-1"
		k.setReady(pod, false)
		eventually(t, time.Minute, "CacheReady False naming "+pod, state(func(u *unstructured.Unstructured) error {
			return wantReason(u, "CacheReady", "False", "WaitingForMembers", "2/3 replicas ready", pod+" (ContainersNotReady)")
		}))
		k.setReady(pod, true)
		eventually(t, time.Minute, "Valkey ready again", ready)
	})

	t.Run("Update", func(t *testing.T) {
		before := podTemplateAnnotation(t, name, "cache.platform.io/config-checksum")
		patchValkey(t, name, map[string]any{"spec": map[string]any{"maxmemoryPolicy": "allkeys-lru"}})
		eventually(t, time.Minute, "the ConfigMap with allkeys-lru and the members rolled", func() error {
			cm, err := c.kube.CoreV1().ConfigMaps(c.ns).Get(t.Context(), name+"-config", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !strings.Contains(cm.Data["valkey.conf"], "\nmaxmemory-policy allkeys-lru\n") {
				return fmt.Errorf("valkey.conf:\n%s", cm.Data["valkey.conf"])
			}
			if after := podTemplateAnnotation(t, name, "cache.platform.io/config-checksum"); after == before {
				return fmt.Errorf("the pod template's config checksum is still %s", before)
			}
			return nil
		})
		eventually(t, 2*time.Minute, "the StatefulSet rolled out", func() error {
			s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(t.Context(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if st := s.Status; st.ObservedGeneration < s.Generation || st.CurrentRevision != st.UpdateRevision || st.UpdatedReplicas != 3 || st.ReadyReplicas != 3 {
				return fmt.Errorf("StatefulSet status %+v at generation %d", st, s.Generation)
			}
			return nil
		})
		eventually(t, 2*time.Minute, "Valkey ready and the change accepted", state(func(u *unstructured.Unstructured) error {
			if err := wantCondition(u, "SpecAccepted", "True"); err != nil {
				return err
			}
			return wantReason(u, "CacheReady", "True", "Available")
		}))
	})

	t.Run("PersistenceOffRefused", func(t *testing.T) {
		patchValkey(t, name, map[string]any{"spec": map[string]any{"persistence": "None"}})
		eventually(t, time.Minute, "SpecAccepted False (PersistenceOffRefused) naming spec.persistence", state(func(u *unstructured.Unstructured) error {
			if err := observedCurrent(u); err != nil {
				return err
			}
			return wantReason(u, "SpecAccepted", "False", "PersistenceOffRefused", "spec.persistence", "keeps AOF")
		}))
		cm, err := c.kube.CoreV1().ConfigMaps(c.ns).Get(t.Context(), name+"-config", metav1.GetOptions{})
		if err != nil || !strings.Contains(cm.Data["valkey.conf"], "\nappendonly yes\n") {
			t.Errorf("valkey.conf after the refusal: want appendonly yes kept: %v\n%s", err, cm.Data["valkey.conf"])
		}
		if got := podTemplateAnnotation(t, name, "cache.platform.io/persistence"); got != "AOF" {
			t.Errorf("pod template persistence: want AOF kept, got %q", got)
		}
		s, err := c.kube.CoreV1().Secrets(c.ns).Get(t.Context(), name+"-credentials", metav1.GetOptions{})
		if err != nil || string(s.Data["password"]) != password {
			t.Errorf("the password changed: %v", err)
		}
		if err := state(func(u *unstructured.Unstructured) error { return wantCondition(u, "Ready", "True") })(); err != nil {
			t.Errorf("a refused change must not make the instance unready: %v", err)
		}
	})

	t.Run("DeleteKeepsVolumes", func(t *testing.T) {
		if err := xrs.Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "Valkey "+name+" and its StatefulSet gone", func() error {
			if _, err := xrs.Get(t.Context(), name, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
				return fmt.Errorf("XR still there (%w)", err)
			}
			if _, err := c.kube.AppsV1().StatefulSets(c.ns).Get(t.Context(), name, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
				return fmt.Errorf("StatefulSet still there (%w)", err)
			}
			return nil
		})
		for i := range 3 {
			pvc := fmt.Sprintf("data-%s-%d", name, i)
			if _, err := c.kube.CoreV1().PersistentVolumeClaims(c.ns).Get(t.Context(), pvc, metav1.GetOptions{}); err != nil {
				t.Errorf("volume %s: want it kept after the XR's deletion: %v", pvc, err)
			}
		}
	})
}

func patchValkey(t *testing.T, name string, patch map[string]any) {
	t.Helper()
	b, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.dyn.Resource(gvrValkey).Namespace(c.ns).Patch(t.Context(), name, types.MergePatchType, b, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch Valkey %s with %s: %v", name, b, err)
	}
}

func podTemplateAnnotation(t *testing.T, name, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Spec.Template.Annotations[key]
}
