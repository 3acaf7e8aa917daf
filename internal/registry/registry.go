// Package registry lists the golden paths the function composes. Adding a golden path adds
// one line here; everything else of it lives in its own package and example.
package registry

//go:generate go run ../../hack/rbacgen

import (
	"maps"
	"slices"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/dnsrecord"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/mongodb"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/postgresql"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/tenantnamespace"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/valkey"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/webapp"
)

// All golden paths, by the name an Input selects them with.
//
//nolint:gochecknoglobals // The registry, read only.
var All = byName(
	mongodb.Registration,
	webapp.Registration,
	tenantnamespace.Registration,
	dnsrecord.Registration,
	postgresql.Registration,
	valkey.Registration,
)

func byName(rs ...goldenpath.Registration) map[string]goldenpath.Registration {
	out := make(map[string]goldenpath.Registration, len(rs))
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

// Names of the golden paths, sorted.
func Names() []string { return slices.Sorted(maps.Keys(All)) }

// The SDK converts typed objects through its package-level composed.Scheme: the groups of the
// kinds golden paths compose are registered there once.
func init() { //nolint:gochecknoinits // composed.Scheme is package state by the SDK's design.
	for _, r := range All {
		goldenpath.AddKinds(r)
	}
}
