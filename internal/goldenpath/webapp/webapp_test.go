package webapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/webapp/v1alpha1"
)

const instance = "shop-5c1e9b27"

func xr(spec string) string {
	return `{apiVersion: apps.platform.io/v1alpha1, kind: WebApp, metadata: {name: shop-5c1e9b27, namespace: team-a}, spec: ` + spec + `}`
}

// TestCompose checks what a spec composes, and that every problem of a spec is refused with
// its field.
func TestCompose(t *testing.T) {
	gateway := &v1beta1.Input{Web: v1beta1.Web{Route: v1beta1.RouteHTTPRoute, Gateway: &v1beta1.Gateway{Name: "gw", Namespace: "gateway-system"}}}
	type want struct {
		resources []resource.Name
		url       string
		err       string
	}
	cases := map[string]struct {
		reason string
		spec   string
		in     *v1beta1.Input
		want   want
	}{
		"NoHost": {
			reason: "Without a host or a base domain an app has no route; its in-cluster address is its endpoint.",
			spec:   `{image: traefik/whoami:v1.10}`,
			want:   want{resources: []resource.Name{DeploymentName, ServiceName, NetworkPolicyName}},
		},
		"BaseDomain": {
			reason: "The platform's base domain gives an app without a host one, routed by an Ingress.",
			spec:   `{image: traefik/whoami:v1.10, replicas: 2}`,
			in:     &v1beta1.Input{Web: v1beta1.Web{BaseDomain: "apps.example.com"}},
			want:   want{resources: []resource.Name{DeploymentName, ServiceName, PDBName, NetworkPolicyName, IngressName}, url: "https://shop-5c1e9b27-team-a.apps.example.com/"},
		},
		"GatewayAutoscaling": {
			reason: "With the Gateway API an app is routed by an HTTPRoute; autoscaling adds an autoscaler and a budget.",
			spec:   `{image: ghcr.io/team-a/shop:1.4.2, autoscaling: {min: 2, max: 5}, host: shop.example.com, tls: false, path: /shop}`,
			in:     gateway,
			want:   want{resources: []resource.Name{DeploymentName, ServiceName, HPAName, PDBName, NetworkPolicyName, HTTPRouteName}, url: "http://shop.example.com/shop"},
		},
		"Invalid": {
			reason: "Every problem is refused at once, each naming its field.",
			spec: `{image: "Shop:latest", port: 80, replicas: 2, autoscaling: {min: 3, max: 2}, host: "-bad", path: "shop",
				env: [{name: A, value: "1"}, {name: A, secretKeyRef: {name: db, key: uri}}, {name: "1B"}]}`,
			want: want{err: strings.Join([]string{
				`spec.image: Invalid value: "Shop:latest": must be an image reference such as ghcr.io/team-a/shop:1.4.2: invalid reference format: repository name (library/Shop) must be lowercase`,
				`spec.port: Invalid value: 80: must be from 1025 to 65535: the app runs as a non-root user, which cannot listen below 1025`,
				`spec.replicas: Forbidden: set replicas or autoscaling, not both`,
				`spec.env[1].name: Duplicate value: "A"`,
				`spec.env[2].name: Invalid value: "1B": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
				`spec.env[2]: Invalid value: "1B": set value or secretKeyRef`,
				`spec.host: Invalid value: "-bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				`spec.path: Invalid value: "shop": must be an absolute URL path such as /, without spaces, query or fragment`,
			}, ", ")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := goldenpathtest.Request(t, Registration, xr(tc.spec), instance, tc.in, nil)
			c, err := Blueprint{}.Compose(r)
			var got want
			if err != nil {
				got.err = strings.TrimSuffix(strings.TrimPrefix(err.Error(), "["), "]")
			} else {
				for _, res := range c.Resources {
					got.resources = append(got.resources, res.Name)
				}
				got.url = c.Status.(v1alpha1.Status).URL
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

const deploymentYAML = `{apiVersion: apps/v1, kind: Deployment, metadata: {name: shop-5c1e9b27, generation: 3}, spec: {replicas: 2},
	status: {observedGeneration: %d, replicas: %d, updatedReplicas: %d, availableReplicas: %d}}`

// TestRequirements checks that the app's pods are asked for only while a rollout goes on, so
// that a rolled-out app costs one call per reconcile.
func TestRequirements(t *testing.T) {
	pods := map[string]*fnv1.ResourceSelector{requiredPods: {
		ApiVersion: "v1", Kind: "Pod", Namespace: ptr.To("team-a"),
		Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{
			goldenpath.LabelName: App, goldenpath.LabelInstance: instance, goldenpath.LabelComponent: "web",
		}}},
	}}
	cases := map[string]struct {
		reason     string
		deployment string
		want       map[string]*fnv1.ResourceSelector
	}{
		"NotCreated":  {reason: "Before the Deployment exists there is no pod to ask for.", want: nil},
		"RolledOut":   {reason: "A rolled-out app asks for nothing.", deployment: fmt.Sprintf(deploymentYAML, 3, 2, 2, 2), want: nil},
		"NotObserved": {reason: "A spec the controller has not seen yet is a rollout to come.", deployment: fmt.Sprintf(deploymentYAML, 2, 2, 2, 2), want: pods},
		"Surging":     {reason: "An extra pod of a rollout is a rollout going on.", deployment: fmt.Sprintf(deploymentYAML, 3, 3, 1, 2), want: pods},
		"Unavailable": {reason: "A replica not available is waited for.", deployment: fmt.Sprintf(deploymentYAML, 3, 2, 2, 1), want: pods},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			observed := map[resource.Name]string{}
			if tc.deployment != "" {
				observed[DeploymentName] = tc.deployment
			}
			got := Blueprint{}.Requirements(goldenpathtest.Request(t, Registration, xr(`{image: shop:1}`), instance, nil, observed))
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRequirements(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestSummarize checks that the AppReady condition names what the app waits for: the pods of
// a rollout and why they are not ready, a stuck rollout as failed, or the route.
func TestSummarize(t *testing.T) {
	pod := func(name, reason string) string {
		return `{apiVersion: v1, kind: Pod, metadata: {name: ` + name + `}, status: {phase: Pending, containerStatuses: [{name: app, state: {waiting: {reason: ` + reason + `}}}]}}`
	}
	type readiness struct {
		state   goldenpath.State
		message string
	}
	cases := map[string]struct {
		reason     string
		deployment readiness
		ingress    readiness
		pods       []string
		// runs is the image of the observed Deployment's template; "" for the desired one.
		runs string
		want goldenpath.Summary
	}{
		"NewImageNotTakenYet": {
			reason:     "A Deployment observed ready before it took the new template is not ready with the new image.",
			deployment: readiness{goldenpath.Ready, "ready"},
			ingress:    readiness{goldenpath.Ready, "ready"},
			runs:       "shop:1",
			want: goldenpath.Summary{
				Condition: ConditionAppReady, State: goldenpath.Waiting, Reason: ReasonRollingOut,
				Message: "rollout of web app shop:2, 2 replicas: the Deployment runs shop:1 until it takes the new template",
			},
		},
		"HugeImageRunning": {
			reason:     "The image the observed Deployment runs is anyone's to write: the message quotes it cut.",
			deployment: readiness{goldenpath.Ready, "ready"},
			ingress:    readiness{goldenpath.Ready, "ready"},
			runs:       strings.Repeat("s", 1000),
			want: goldenpath.Summary{
				Condition: ConditionAppReady, State: goldenpath.Waiting, Reason: ReasonRollingOut,
				Message: "rollout of web app shop:2, 2 replicas: the Deployment runs " + strings.Repeat("s", goldenpath.MaxMessage) + "… until it takes the new template",
			},
		},
		"Ready": {
			reason:     "An app rolled out and routed is Available at its URL.",
			deployment: readiness{goldenpath.Ready, "ready"},
			ingress:    readiness{goldenpath.Ready, "ready"},
			want: goldenpath.Summary{
				Condition: ConditionAppReady, State: goldenpath.Ready, Reason: goldenpath.ReasonAvailable,
				Message: "web app shop:2, 2 replicas serving at https://shop.example.com/ and http://shop-5c1e9b27.team-a.svc",
			},
		},
		"RollingOut": {
			reason:     "A rollout names the pods it waits for and why.",
			deployment: readiness{goldenpath.Waiting, "Updated: 1/2"},
			ingress:    readiness{goldenpath.Ready, "ready"},
			pods:       []string{pod("shop-5c1e9b27-7d9c-b", "ContainerCreating"), pod("shop-5c1e9b27-7d9c-a", "ErrImagePull")},
			want: goldenpath.Summary{
				Condition: ConditionAppReady, State: goldenpath.Waiting, Reason: ReasonRollingOut,
				Message: "rollout of web app shop:2, 2 replicas: Updated: 1/2; waiting for shop-5c1e9b27-7d9c-a (ErrImagePull), shop-5c1e9b27-7d9c-b (ContainerCreating)",
			},
		},
		"Stuck": {
			reason:     "A rollout past its progress deadline has failed, with the pod's reason and what to do.",
			deployment: readiness{goldenpath.Failed, "Progress deadline exceeded"},
			ingress:    readiness{goldenpath.Ready, "ready"},
			pods:       []string{pod("shop-5c1e9b27-7d9c-a", "ImagePullBackOff")},
			want: goldenpath.Summary{
				Condition: ConditionAppReady, State: goldenpath.Failed, Reason: goldenpath.ReasonFailed,
				Message: "rollout of web app shop:2, 2 replicas: Progress deadline exceeded; waiting for shop-5c1e9b27-7d9c-a (ImagePullBackOff); fix the image or the app, and the next change of the spec rolls out again",
			},
		},
		"Route": {
			reason:     "An app that runs but is not routed yet waits for its route.",
			deployment: readiness{goldenpath.Ready, "ready"},
			ingress:    readiness{goldenpath.Waiting, "waiting for the ingress controller to give it an address"},
			want: goldenpath.Summary{
				Condition: ConditionAppReady, State: goldenpath.Waiting, Reason: ReasonWaitingForRoute,
				Message: "waiting for Ingress shop-5c1e9b27 (waiting for the ingress controller to give it an address)",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := goldenpathtest.Request(t, Registration, xr(`{image: "shop:2", replicas: 2, host: shop.example.com}`), instance, nil, map[resource.Name]string{
				DeploymentName: fmt.Sprintf(deploymentYAML, 3, 2, 2, 2),
			})
			goldenpathtest.Required(t, r, requiredPods, tc.pods...)
			c, err := Blueprint{}.Compose(r)
			if err != nil {
				t.Fatal(err)
			}
			rs := make([]goldenpath.Readiness, 0, len(c.Resources))
			for _, res := range c.Resources {
				rd := goldenpath.Readiness{Resource: res, State: goldenpath.Ready, Message: "ready", Observed: goldenpathtest.Composed(t, res.Object)}
				switch res.Name {
				case DeploymentName:
					rd.State, rd.Message = tc.deployment.state, tc.deployment.message
					if tc.runs != "" {
						rd.Observed = goldenpathtest.Composed(t, res.Object)
						if err := unstructured.SetNestedSlice(rd.Observed.Object, []any{map[string]any{"name": container, "image": tc.runs}}, "spec", "template", "spec", "containers"); err != nil {
							t.Fatal(err)
						}
					}
				case IngressName:
					rd.State, rd.Message = tc.ingress.state, tc.ingress.message
				}
				rs = append(rs, rd)
			}
			if diff := cmp.Diff(tc.want, Blueprint{}.Summarize(r, c, rs)); diff != "" {
				t.Errorf("%s\nSummarize(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
