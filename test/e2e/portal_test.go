package e2e

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// TestPortalRBAC applies example/backstage/portal-rbac.yaml and asks the API server's own
// authorizer what the portal's service account may do: read what the TeraSky ingestor, the
// Kubernetes plugin and the crossplane-resources backend read, and no Secret, whose data the
// crossplane-resources card would show.
func TestPortalRBAC(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "example", "backstage", "portal-rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for doc := range bytes.SplitSeq(b, []byte("\n---\n")) {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil || u.GetKind() == "" {
			continue
		}
		gvr, _ := meta.UnsafeGuessKindToResource(u.GroupVersionKind())
		j, err := u.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.dyn.Resource(gvr).Namespace(u.GetNamespace()).Patch(t.Context(), u.GetName(), types.ApplyPatchType, j,
			metav1.PatchOptions{FieldManager: "e2e", Force: new(true)}); err != nil {
			t.Fatalf("apply %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
	may := func(group, res, verb string) bool {
		t.Helper()
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "system:serviceaccount:backstage:backstage",
			Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:backstage", "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: c.ns, Verb: verb, Group: group, Resource: res},
		}}
		got, err := c.kube.AuthorizationV1().SubjectAccessReviews().Create(t.Context(), sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got.Status.Allowed
	}
	// The authorizer sees a new binding a moment after it is created.
	eventually(t, 30*time.Second, "the portal's ClusterRoleBinding in force", func() error {
		if !may("", "pods", "get") {
			return errors.New("the portal may not get pods yet")
		}
		return nil
	})
	for _, r := range [][2]string{
		{"", "pods"},
		{"", "services"},
		{"", "events"},
		{"apps", "statefulsets"},
		{"batch", "jobs"},
		{"policy", "poddisruptionbudgets"},
		{"networking.k8s.io", "networkpolicies"},
		{"database.platform.io", "mongodbs"},
		{"apiextensions.crossplane.io", "compositeresourcedefinitions"},
	} {
		for _, verb := range []string{"get", "list", "watch"} {
			if !may(r[0], r[1], verb) {
				t.Errorf("the portal may not %s %s.%s: the plugins need it", verb, r[1], r[0])
			}
		}
	}
	for _, verb := range []string{"get", "list", "watch"} {
		if may("", "secrets", verb) {
			t.Errorf("the portal may %s secrets: the crossplane-resources card would show their data", verb)
		}
	}
	if may("apps", "statefulsets", "patch") {
		t.Error("the portal may change StatefulSets: it only reads")
	}
}
