package goldenpath

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// ByName asks Crossplane for one object of the XR's namespace by name.
func ByName(namespace, apiVersion, kind, name string) *fnv1.ResourceSelector {
	return &fnv1.ResourceSelector{ApiVersion: apiVersion, Kind: kind, Namespace: &namespace, Match: &fnv1.ResourceSelector_MatchName{MatchName: name}}
}

// PodsOf asks Crossplane for the pods of the XR's namespace that carry the labels.
func PodsOf(namespace string, labels map[string]string) *fnv1.ResourceSelector {
	return &fnv1.ResourceSelector{
		ApiVersion: "v1",
		Kind:       "Pod",
		Match:      &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: labels}},
		Namespace:  &namespace,
	}
}
