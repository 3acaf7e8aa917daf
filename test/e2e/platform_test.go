package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// platform plays the controllers a platform runs beside Crossplane, whose CRDs hack/e2e.sh
// installs without them: an ingress controller gives Ingresses an address, a Gateway accepts
// HTTPRoutes, external-dns applies DNSEndpoints. Each writes only status, as the real one does,
// after routeDelay, so that the XRs show what they wait for on the way.
type platform struct {
	mu     sync.Mutex
	hold   bool // leave routes without status
	seen   map[types.UID]time.Time
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

const routeDelay = 500 * time.Millisecond

//nolint:gochecknoglobals // API coordinates.
var (
	gvrIngress     = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	gvrHTTPRoute   = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}
	gvrDNSEndpoint = schema.GroupVersionResource{Group: "externaldns.k8s.io", Version: "v1alpha1", Resource: "dnsendpoints"}
)

func startPlatform(t *testing.T) *platform {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &platform{seen: map[types.UID]time.Time{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ctx.Err() == nil {
			err := p.sync(ctx)
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(150 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-p.done })
	return p
}

// holdRoutes leaves routes without the status their controllers would write (hold), or lets
// the controllers write it.
func (p *platform) holdRoutes(hold bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold = hold
}

func (p *platform) sync(ctx context.Context) error {
	p.mu.Lock()
	hold := p.hold
	p.mu.Unlock()
	statuses := map[schema.GroupVersionResource]func(u *unstructured.Unstructured) map[string]any{
		gvrIngress: func(*unstructured.Unstructured) map[string]any {
			return map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": "192.0.2.80"}}}}
		},
		gvrHTTPRoute: func(u *unstructured.Unstructured) map[string]any {
			refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
			parents := make([]any, 0, len(refs))
			now := time.Now().UTC().Format(time.RFC3339)
			for _, r := range refs {
				parents = append(parents, map[string]any{
					"parentRef":      r,
					"controllerName": "example.com/gateway-controller",
					"conditions": []any{
						map[string]any{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "accepted", "observedGeneration": u.GetGeneration(), "lastTransitionTime": now},
						map[string]any{"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "message": "resolved", "observedGeneration": u.GetGeneration(), "lastTransitionTime": now},
					},
				})
			}
			return map[string]any{"parents": parents}
		},
		gvrDNSEndpoint: func(u *unstructured.Unstructured) map[string]any {
			return map[string]any{"observedGeneration": u.GetGeneration()}
		},
	}
	var last error
	for gvr, statusOf := range statuses {
		list, err := c.dyn.Resource(gvr).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			last = err
			continue
		}
		for i := range list.Items {
			u := &list.Items[i]
			if hold && gvr != gvrDNSEndpoint || !p.due(u) {
				continue
			}
			want := statusOf(u)
			if got, _, _ := unstructured.NestedMap(u.Object, "status"); fmt.Sprint(got) == fmt.Sprint(want) {
				continue
			}
			b, err := json.Marshal(map[string]any{"status": want})
			if err != nil {
				return err
			}
			_, err = c.dyn.Resource(gvr).Namespace(u.GetNamespace()).Patch(ctx, u.GetName(), types.MergePatchType, b, metav1.PatchOptions{}, "status")
			if err != nil && !kerrors.IsNotFound(err) && !kerrors.IsConflict(err) {
				last = fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
			}
		}
	}
	return last
}

// due tells whether an object has existed for routeDelay.
func (p *platform) due(u *unstructured.Unstructured) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	first, ok := p.seen[u.GetUID()]
	if !ok {
		p.seen[u.GetUID()] = time.Now()
		return false
	}
	return time.Since(first) >= routeDelay
}
