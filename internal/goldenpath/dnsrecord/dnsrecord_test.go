package dnsrecord

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/dnsrecord/v1alpha1"
)

// TestResolve checks that each record type takes only values of its type, and names within
// the platform's zones, each problem naming its field.
func TestResolve(t *testing.T) {
	zones := &v1beta1.Input{DNS: v1beta1.DNS{Zones: []string{"example.com"}}}
	type want struct {
		rec  record
		errs string
	}
	cases := map[string]struct {
		reason string
		spec   v1alpha1.Spec
		in     *v1beta1.Input
		want   want
	}{
		"A": {
			reason: "An A record of IPv4 addresses gets the default TTL; the name is lowercased, without its final dot.",
			spec:   v1alpha1.Spec{Type: "A", Name: "Shop.Example.com.", Values: []string{"192.0.2.10", "192.0.2.11"}},
			in:     zones,
			want:   want{rec: record{Type: "A", Name: "shop.example.com", Values: []string{"192.0.2.10", "192.0.2.11"}, TTL: 300}},
		},
		"AWithIPv6": {
			reason: "An A record does not take an IPv6 address.",
			spec:   v1alpha1.Spec{Type: "A", Name: "shop.example.com", Values: []string{"2001:db8::1"}},
			want:   want{errs: "spec.values[0]: Invalid value: \"2001:db8::1\": an A record's value must be an IPv4 address such as 192.0.2.10"},
		},
		"AAAAWithMappedIPv4": {
			reason: "An AAAA record does not take an IPv4 address written as IPv6.",
			spec:   v1alpha1.Spec{Type: "AAAA", Name: "shop.example.com", Values: []string{"::ffff:192.0.2.1"}},
			want:   want{errs: "spec.values[0]: Invalid value: \"::ffff:192.0.2.1\": an AAAA record's value must be an IPv6 address such as 2001:db8::10"},
		},
		"CNAMETwoValues": {
			reason: "A CNAME has exactly one value.",
			spec:   v1alpha1.Spec{Type: "CNAME", Name: "www.example.com", Values: []string{"a.example.com", "b.example.com"}},
			want:   want{errs: "spec.values: Invalid value: 2: a CNAME record has exactly one value"},
		},
		"TXTUnderscoreWildcard": {
			reason: "TXT names may hold underscores, and a name may be a wildcard.",
			spec:   v1alpha1.Spec{Type: "TXT", Name: "*._acme.example.com", Values: []string{"token=1"}, TTL: ptr.To[int64](60)},
			in:     zones,
			want:   want{rec: record{Type: "TXT", Name: "*._acme.example.com", Values: []string{"token=1"}, TTL: 60}},
		},
		"OutsideZones": {
			reason: "A name outside the platform's zones is refused: a team cannot publish records for domains it does not own.",
			spec:   v1alpha1.Spec{Type: "A", Name: "bank.example.org", Values: []string{"192.0.2.1"}},
			in:     zones,
			want:   want{errs: "spec.name: Invalid value: \"bank.example.org\": must be within one of the platform's DNS zones: example.com"},
		},
		"LookalikeZone": {
			reason: "A name that merely ends in the zone's text is not in the zone.",
			spec:   v1alpha1.Spec{Type: "A", Name: "evilexample.com", Values: []string{"192.0.2.1"}},
			in:     zones,
			want:   want{errs: "spec.name: Invalid value: \"evilexample.com\": must be within one of the platform's DNS zones: example.com"},
		},
		"Everything": {
			reason: "Every problem is reported, each with its field: a bad label, a TTL out of range, a duplicate and a bad type of value.",
			spec:   v1alpha1.Spec{Type: "A", Name: "-x.example.com", Values: []string{"192.0.2.1", "192.0.2.1", "host"}, TTL: ptr.To[int64](5)},
			want: want{errs: strings.Join([]string{
				`spec.name: Invalid value: "-x.example.com": label 1 ("-x") must be 1 to 63 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit`,
				`spec.ttl: Invalid value: 5: must be from 60 to 86400 seconds`,
				`spec.values[1]: Duplicate value: "192.0.2.1"`,
				`spec.values[2]: Invalid value: "host": an A record's value must be an IPv4 address such as 192.0.2.10`,
			}, ", ")},
		},
		"UnknownType": {
			reason: "A record type the golden path does not publish is refused.",
			spec:   v1alpha1.Spec{Type: "MX", Name: "example.com", Values: []string{"10 mail.example.com"}},
			want:   want{errs: `spec.type: Unsupported value: "MX": supported values: "A", "AAAA", "CNAME", "TXT"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := tc.in
			if in == nil {
				in = &v1beta1.Input{}
			}
			rec, errs := resolve(tc.spec, in)
			got := want{rec: rec}
			if len(errs) > 0 {
				got = want{errs: strings.TrimSuffix(strings.TrimPrefix(errs.ToAggregate().Error(), "["), "]")}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}, record{})); diff != "" {
				t.Errorf("%s\nresolve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
