package tenantnamespace

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	kresource "k8s.io/apimachinery/pkg/api/resource"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/tenantnamespace/v1alpha1"
)

const instance = "team-a-4698d747"

func xr(spec string) string {
	return `{apiVersion: platform.platform.io/v1alpha1, kind: TenantNamespace, metadata: {name: team-a}, spec: ` + spec + `}`
}

func namespaceYAML(protected bool) string {
	return fmt.Sprintf(`{apiVersion: v1, kind: Namespace, metadata: {name: team-a, labels: {%s: %s, %s: %q}}}`,
		goldenpath.LabelInstance, instance, LabelDeletionProtection, strconv.FormatBool(protected))
}

func quotaYAML(status string) string {
	return `{apiVersion: v1, kind: ResourceQuota, metadata: {name: team-a-4698d747-quota, namespace: team-a}, status: ` + status + `}`
}

// TestDeletionProtection checks that protection is turned off only once the namespace's quota
// counts no pod and no volume, and that an unknown count keeps it.
func TestDeletionProtection(t *testing.T) {
	type want struct {
		protected bool
		refused   string
	}
	cases := map[string]struct {
		reason   string
		spec     string
		observed map[resource.Name]string
		want     want
	}{
		"On": {
			reason: "Protection is on by default.",
			spec:   `{team: team-a}`,
			want:   want{protected: true},
		},
		"OffBeforeCreation": {
			reason: "A namespace created without protection has none.",
			spec:   `{team: team-a, deletionProtection: false}`,
			want:   want{},
		},
		"StaysOff": {
			reason: "A namespace whose protection is off stays unprotected, whatever it holds.",
			spec:   `{team: team-a, deletionProtection: false}`,
			observed: map[resource.Name]string{
				NamespaceName: namespaceYAML(false),
				QuotaName:     quotaYAML(`{used: {pods: "3", persistentvolumeclaims: "1"}}`),
			},
			want: want{},
		},
		"OffWhenEmpty": {
			reason: "Protection goes once the quota counts no pod and no volume.",
			spec:   `{team: team-a, deletionProtection: false}`,
			observed: map[resource.Name]string{
				NamespaceName: namespaceYAML(true),
				QuotaName:     quotaYAML(`{used: {pods: "0", persistentvolumeclaims: "0", secrets: "3"}}`),
			},
			want: want{},
		},
		"KeptWithWorkloads": {
			reason: "Protection is kept while the namespace holds pods or volumes.",
			spec:   `{team: team-a, deletionProtection: false}`,
			observed: map[resource.Name]string{
				NamespaceName: namespaceYAML(true),
				QuotaName:     quotaYAML(`{used: {pods: "3", persistentvolumeclaims: "1"}}`),
			},
			want: want{protected: true, refused: "spec.deletionProtection DeletionProtectionKept: deletion protection of namespace team-a is kept on: it holds 3 pods and 1 volumes; delete its workloads and volumes (back up their data first), then turn it off again"},
		},
		"KeptWhenUncounted": {
			reason: "A quota that has not counted, or whose counts are not numbers, keeps protection: an unknown never lets a namespace go.",
			spec:   `{team: team-a, deletionProtection: false}`,
			observed: map[resource.Name]string{
				NamespaceName: namespaceYAML(true),
				QuotaName:     quotaYAML(`{used: {pods: "0", persistentvolumeclaims: "many"}}`),
			},
			want: want{protected: true, refused: "spec.deletionProtection DeletionProtectionKept: deletion protection of namespace team-a is kept on: cannot tell what it holds: its ResourceQuota has not counted its pods and volumes; delete its workloads and volumes (back up their data first), then turn it off again"},
		},
		"KeptWithoutQuota": {
			reason: "A quota deleted by hand keeps protection.",
			spec:   `{team: team-a, deletionProtection: false}`,
			observed: map[resource.Name]string{
				NamespaceName: namespaceYAML(true),
			},
			want: want{protected: true, refused: "spec.deletionProtection DeletionProtectionKept: deletion protection of namespace team-a is kept on: cannot tell what it holds: its ResourceQuota has not counted its pods and volumes; delete its workloads and volumes (back up their data first), then turn it off again"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := goldenpathtest.Request(t, Registration, xr(tc.spec), instance, nil, tc.observed)
			goldenpathtest.Required(t, r, requiredNamespace)
			c, err := Blueprint{}.Compose(r)
			if err != nil {
				t.Fatal(err)
			}
			got := want{protected: c.Status.(v1alpha1.Status).DeletionProtection}
			for _, rf := range c.Refused {
				got.refused = fmt.Sprintf("%s %s: %s", rf.Field, rf.Reason, rf.Message)
			}
			ns := c.Resources[0].Object
			if label := ns.GetLabels()[LabelDeletionProtection] == "true"; label != got.protected {
				t.Errorf("the namespace's %s label is %v, the status says %v", LabelDeletionProtection, label, got.protected)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestExistingNamespace checks that a namespace of someone else is never taken over, and that
// what lives in the namespace is composed once the namespace exists: Crossplane applies in no
// set order and stops at the first apply that fails.
func TestExistingNamespace(t *testing.T) {
	all := []resource.Name{NamespaceName, QuotaName, LimitsName, DefaultDenyName, SameNamespaceName, TeamEditName}
	type want struct {
		composes []resource.Name
		err      string
	}
	cases := map[string]struct {
		reason   string
		fetched  bool
		existing []string
		observed map[resource.Name]string
		want     want
	}{
		"NotFetched": {
			reason: "Nothing is composed before Crossplane said whether the namespace exists.",
			want:   want{err: goldenpath.ErrRequirementsPending.Error()},
		},
		"Absent": {
			reason:  "A namespace that does not exist is created first, alone.",
			fetched: true,
			want:    want{composes: []resource.Name{NamespaceName}},
		},
		"Composed": {
			reason:   "Once the namespace exists, all that lives in it is composed.",
			observed: map[resource.Name]string{NamespaceName: namespaceYAML(true)},
			want:     want{composes: all},
		},
		"Ours": {
			reason:   "A namespace of this instance (its XR's composed resource reference lost) is this instance's, with all it holds.",
			fetched:  true,
			existing: []string{namespaceYAML(true)},
			want:     want{composes: all},
		},
		"KeptWhileAbsent": {
			reason:   "What exists stays composed while the namespace is not observed: Crossplane would delete it.",
			fetched:  true,
			observed: map[resource.Name]string{QuotaName: quotaYAML(`{}`)},
			want:     want{composes: []resource.Name{NamespaceName, QuotaName}},
		},
		"Foreign": {
			reason:   "A namespace of another instance, or of no one, is refused with what to do.",
			fetched:  true,
			existing: []string{`{apiVersion: v1, kind: Namespace, metadata: {name: team-a}}`},
			want:     want{err: `metadata.name: Invalid value: "team-a": namespace team-a exists and is not this TenantNamespace's (its app.kubernetes.io/instance label is "", not "team-a-4698d747"): choose another name, or label the namespace app.kubernetes.io/instance=team-a-4698d747 to hand it over, with everything it holds`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := goldenpathtest.Request(t, Registration, xr(`{team: team-a}`), instance, nil, tc.observed)
			if tc.fetched {
				goldenpathtest.Required(t, r, requiredNamespace, tc.existing...)
			}
			c, err := Blueprint{}.Compose(r)
			var got want
			if err != nil {
				got.err = strings.TrimSuffix(strings.TrimPrefix(err.Error(), "["), "]")
			}
			if c != nil {
				for _, res := range c.Resources {
					got.composes = append(got.composes, res.Name)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestParseTeam checks the forms a team's group may be given in.
func TestParseTeam(t *testing.T) {
	cases := map[string]struct {
		want team
		ok   bool
	}{
		"team-a":                {team{"default", "team-a"}, true},
		"group:team-a":          {team{"default", "team-a"}, true},
		"group:platform/team-a": {team{"platform", "team-a"}, true},
		"user:default/alice":    {team{"default", "user:default/alice"}, false},
		"team a":                {team{"default", "team a"}, false},
		"":                      {team{"default", ""}, false},
	}
	for in, tc := range cases {
		got, ok := parseTeam(in)
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(team{})); diff != "" || ok != tc.ok {
			t.Errorf("parseTeam(%q) = %v, %v; want %v, %v", in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzDeletionProtection holds, whatever the quota's status says (counts of any text, fields
// of any type, the namespace's label of any value), that protection is turned off only when the
// namespace was not protected, or its quota counts exactly zero pods and zero volumes.
func FuzzDeletionProtection(f *testing.F) {
	f.Add("0", "0", "true")
	f.Add("3", "1", "true")
	f.Add("0", "many", "true")
	f.Add("-1", "0", "true")
	f.Add("0.4", "0", "true")
	f.Add("0", "0", "TRUE")
	f.Add("1e30", "0", "true")
	f.Add("0", "1e-999999999", "true") // resource.ParseQuantity alone takes minutes over it.
	f.Fuzz(func(t *testing.T, pods, volumes, label string) {
		status := fmt.Sprintf(`{used: {pods: %s, persistentvolumeclaims: %s}}`, strconv.Quote(pods), strconv.Quote(volumes))
		ns := fmt.Sprintf(`{apiVersion: v1, kind: Namespace, metadata: {name: team-a, labels: {%s: %s, %s: %s}}}`,
			goldenpath.LabelInstance, instance, LabelDeletionProtection, strconv.Quote(label))
		r := goldenpathtest.Request(t, Registration, xr(`{team: team-a, deletionProtection: false}`), instance, nil,
			map[resource.Name]string{NamespaceName: ns, QuotaName: quotaYAML(status)})
		goldenpathtest.Required(t, r, requiredNamespace)
		c, err := Blueprint{}.Compose(r)
		if err != nil {
			t.Fatal(err)
		}
		protected := c.Status.(v1alpha1.Status).DeletionProtection
		if label == "true" && !protected && (pods != "0" && pods != "+0" || volumes != "0" && volumes != "+0") {
			p, perr := kresource.ParseQuantity(pods)
			v, verr := kresource.ParseQuantity(volumes)
			if perr != nil || verr != nil || !p.IsZero() || !v.IsZero() {
				t.Errorf("protection turned off with the quota counting pods %q and volumes %q", pods, volumes)
			}
		}
	})
}
