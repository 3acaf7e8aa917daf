package mongodb

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Keys of the credentials Secret, the instance's connection details.
const (
	KeyUsername   = "username"
	KeyPassword   = "password"
	KeyHost       = "host"
	KeyPort       = "port"
	KeyURI        = "uri"
	KeyReplicaSet = "replicaSet"

	keyfileKey = "keyfile"
)

const (
	passwordLength = 32
	// keyfileBytes of randomness, base64 encoded into the keyfile (MongoDB takes 6–1024 base64 characters).
	keyfileBytes = 756
)

func credentialsSecret(b build) (runtime.Object, error) {
	kept := stateful.Kept{
		Observed: b.Observed, Required: b.Required, Name: CredentialsName, Object: b.names.Credentials,
		Existing: requiredCredentials, Volumes: requiredVolumes, InUse: b.user(false),
	}
	password, err := kept.Value(KeyPassword, func() (string, error) {
		return stateful.RandomAlphanumeric(passwordLength)
	})
	if err != nil {
		return nil, err
	}
	host := b.host()
	return &corev1.Secret{
		ObjectMeta: b.meta(b.names.Credentials, "credentials"),
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			KeyUsername:   []byte(rootUser),
			KeyPassword:   []byte(password),
			KeyHost:       []byte(host),
			KeyPort:       []byte(strconv.Itoa(port)),
			KeyURI:        []byte(b.uri(password)),
			KeyReplicaSet: []byte(b.replicaSetName()),
		},
	}, nil
}

func keyfileSecret(b build) (runtime.Object, error) {
	// Only the members know the keyfile, not their data: a replica set that runs no member
	// may get a new one.
	kept := stateful.Kept{Observed: b.Observed, Required: b.Required, Name: KeyfileName, Object: b.names.Keyfile, Existing: requiredKeyfile, InUse: b.user(true)}
	keyfile, err := kept.Value(keyfileKey, func() (string, error) {
		return stateful.RandomBase64(keyfileBytes)
	})
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		ObjectMeta: b.meta(b.names.Keyfile, "keyfile"),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{keyfileKey: []byte(keyfile)},
	}, nil
}

// user names the running StatefulSet when it uses the Secret (with keyfile, the keyfile's;
// else the credentials'), or is empty: a Secret in use can no longer be generated.
func (b build) user(keyfile bool) string {
	if b.running == nil {
		return ""
	}
	if keyfile && !slices.ContainsFunc(b.running.StatefulSet.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool {
		return v.Secret != nil && v.Secret.SecretName == b.names.Keyfile
	}) {
		return "" // A standalone server becoming a replica set: its first keyfile.
	}
	return "StatefulSet " + b.running.StatefulSet.GetName()
}

// host is the client Service's DNS name, stable across clusters' domains.
func (b build) host() string { return host(b.Request) }

func host(r goldenpath.Request) string {
	return fmt.Sprintf("%s.%s.svc", r.Instance.Name, r.XR.Resource.GetNamespace())
}

// memberHost is the stable DNS name of one replica set member.
func (b build) memberHost(ordinal int32) string {
	return fmt.Sprintf("%s.%s.%s.svc:%d", b.names.Pod(ordinal), b.names.Headless, b.XR.Resource.GetNamespace(), port)
}

func (b build) members() []string {
	hosts := make([]string, b.Replicas)
	for i := range b.Replicas {
		hosts[i] = b.memberHost(i)
	}
	return hosts
}

func (b build) replicaSetName() string {
	if b.ReplicaSet() {
		return replicaSetName
	}
	return ""
}

// uri is the connection string: the client Service for a standalone server, every member
// with the replica set's name for a replica set so that drivers follow the primary.
func (b build) uri(password string) string {
	hosts := fmt.Sprintf("%s:%d", b.host(), port)
	q := url.Values{"authSource": {"admin"}}
	if b.ReplicaSet() {
		hosts = strings.Join(b.members(), ",")
		q.Set("replicaSet", replicaSetName)
	}
	u := url.URL{Scheme: App, User: url.UserPassword(rootUser, password), Host: hosts, Path: "/", RawQuery: q.Encode()}
	return u.String()
}

// meta is the metadata of a composed resource: its name and the labels that select it.
func (b build) meta(name, component string) metav1.ObjectMeta {
	return stateful.Meta(App, b.Instance, name, component)
}

// labels select the members and what serves them.
func (b build) labels() map[string]string {
	return goldenpath.ComponentLabels(App, b.Instance, componentDatabase)
}
