package main

import (
	"context"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// BenchmarkRunFunction measures one call for a 3-member replica set: new (nothing observed,
// secrets generated) and steady (every resource observed and ready, as on most calls).
func BenchmarkRunFunction(b *testing.B) {
	t := &testing.T{}
	cases := map[string]map[string]any{
		"New":    nil,
		"Steady": {"observed": objects(t, readFile(t, observedExample)...)},
	}
	for name, c := range cases {
		b.Run(name, func(b *testing.B) {
			observed, _ := c["observed"].(map[string]*fnv1.Resource)
			req := newRequest(t, input, xr("mongodb-3a4f75ae", `{version: "7.0", storageGB: 10, replicas: 3}`), observed, nil)
			f := newFunction()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.RunFunction(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
