package dnsrecord

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// App and component are the app.kubernetes.io/name and component of the DNSEndpoint.
const (
	App       = "dnsrecord"
	component = "record"
)

// endpoint is the DNSEndpoint external-dns publishes the record from. Its schema is
// external-dns's; it is written as an object rather than with external-dns's Go module, which
// would bring all of external-dns's providers into the function's dependencies.
func endpoint(b build) (runtime.Object, error) {
	targets := make([]any, len(b.Values))
	for i, v := range b.Values {
		targets[i] = v
	}
	labels := map[string]any{goldenpath.LabelComponent: component}
	for k, v := range goldenpath.SelectorLabels(App, b.instance) {
		labels[k] = v
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": b.instance.Name, "labels": labels},
		"spec": map[string]any{"endpoints": []any{map[string]any{
			"dnsName":    b.Name,
			"recordType": b.Type,
			"recordTTL":  b.TTL,
			"targets":    targets,
		}}},
	}}
	u.SetGroupVersionKind(DNSEndpoint)
	return u, nil
}
