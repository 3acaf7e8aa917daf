// Package dnsrecord is the DNSRecord golden path: an A, AAAA, CNAME or TXT record, published by
// the platform's external-dns from a DNSEndpoint it composes.
package dnsrecord

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/dnsrecord/v1alpha1"
)

// Name of the golden path, for the Input.
const Name = "DNSRecord"

// ConditionRecordReady is the XR condition that says whether external-dns has the record.
const ConditionRecordReady = "RecordReady"

// EndpointName is the pipeline name of the DNSEndpoint. It must never change.
const EndpointName resource.Name = "dns-endpoint"

// DNSEndpoint is the kind external-dns reads records from (its crd source).
//
//nolint:gochecknoglobals // A kind, read only.
var DNSEndpoint = schema.GroupVersionKind{Group: "externaldns.k8s.io", Version: "v1alpha1", Kind: "DNSEndpoint"}

// Registration is what the function's core knows of the DNSRecord golden path.
//
//nolint:gochecknoglobals // A description, read only.
var Registration = goldenpath.Registration{
	Name:      Name,
	XR:        schema.GroupVersionKind{Group: "dns.platform.io", Version: "v1alpha1", Kind: "DNSRecord"},
	Scope:     goldenpath.Namespaced,
	Condition: ConditionRecordReady,
	Composes:  []schema.GroupVersionKind{DNSEndpoint},
	Example:   "example/dnsrecord",
	Blueprint: Blueprint{},
}

// Blueprint composes a DNS record.
type Blueprint struct{}

var _ goldenpath.Blueprint = Blueprint{}

// Compose validates the record and composes its DNSEndpoint.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s v1alpha1.Spec
	if err := goldenpath.Decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the DNSRecord spec")
	}
	rec, errs := resolve(s, r.Input)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	resources, err := goldenpath.Compose(build{record: rec, instance: r.Instance}, components)
	if err != nil {
		return nil, err
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Description: rec.String(),
		About:       fmt.Sprintf("DNS record %s in %s, published by external-dns: its state is in the RecordReady condition of %s", rec.Name, r.XR.Resource.GetNamespace(), r.XR.Resource.GetName()),
		Status:      v1alpha1.Status{FQDN: rec.Name, Record: fmt.Sprintf("%s %d %s", rec.Type, rec.TTL, strings.Join(rec.Values, " "))},
	}, nil
}

// Requirements are none: a record needs nothing but its spec.
func (Blueprint) Requirements(goldenpath.Request) map[string]*fnv1.ResourceSelector { return nil }

// Summarize says whether external-dns has applied the record.
func (Blueprint) Summarize(_ goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	return goldenpath.Summarize(ConditionRecordReady, rs, "external-dns applied "+c.Description)
}

// build is what the components are built from.
type build struct {
	record

	instance goldenpath.Instance
}

// components of a record: its DNSEndpoint, which the Backstage ingestor shows as the record.
//
//nolint:gochecknoglobals // A table, read only.
var components = []goldenpath.Component[build]{
	{Name: EndpointName, Build: endpoint, Workload: true},
}
