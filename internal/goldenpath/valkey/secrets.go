package valkey

import (
	"fmt"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Keys of the credentials Secret, the instance's connection details.
const (
	KeyPassword     = "password"
	KeyHost         = "host"
	KeyPort         = "port"
	KeyURI          = "uri"
	KeySentinelHost = "sentinelHost"
	KeySentinelPort = "sentinelPort"
	KeyMasterName   = "masterName"
)

const passwordLength = 32

// credentialsSecret holds the password (requirepass and masterauth of every member, and the
// Sentinels' own), generated once and kept ever after: the members' data and replication
// know it.
func credentialsSecret(b build) (runtime.Object, error) {
	kept := stateful.Kept{
		Observed: b.Observed, Required: b.Required, Name: CredentialsName, Object: b.names.Credentials,
		Existing: requiredCredentials, Volumes: requiredVolumes, InUse: b.user(),
	}
	password, err := kept.Value(KeyPassword, func() (string, error) {
		return stateful.RandomAlphanumeric(passwordLength)
	})
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{
		KeyPassword: []byte(password),
		KeyHost:     []byte(b.host()),
		KeyPort:     []byte(strconv.Itoa(port)),
		KeyURI:      []byte(b.uri(password)),
	}
	if b.Replicated() {
		data[KeySentinelHost] = []byte(b.sentinelHost())
		data[KeySentinelPort] = []byte(strconv.Itoa(sentinelPort))
		data[KeyMasterName] = []byte(masterName)
	}
	return &corev1.Secret{ObjectMeta: b.meta(b.names.Credentials, "credentials"), Type: corev1.SecretTypeOpaque, Data: data}, nil
}

// user names the running StatefulSet, or is empty: a Secret in use can no longer be generated.
func (b build) user() string {
	if b.running == nil {
		return ""
	}
	return "StatefulSet " + b.running.StatefulSet.GetName()
}

// host is the client Service's DNS name, stable across clusters' domains.
func (b build) host() string { return host(b.Request) }

func host(r goldenpath.Request) string {
	return fmt.Sprintf("%s.%s.svc", r.Instance.Name, r.XR.Resource.GetNamespace())
}

// sentinelHost is the Sentinel Service's DNS name.
func (b build) sentinelHost() string { return sentinelHost(b.Request) }

func sentinelHost(r goldenpath.Request) string {
	return fmt.Sprintf("%s.%s.svc", namesFor(r.Instance).Sentinel, r.XR.Resource.GetNamespace())
}

// memberHost is the stable DNS name of one member, as the start scripts announce it.
func (b build) memberHost(ordinal int32) string {
	return fmt.Sprintf("%s.%s.%s.svc", b.names.Pod(ordinal), b.names.Headless, b.XR.Resource.GetNamespace())
}

// uri is the connection string to the client Service. With replicas, it reaches any member;
// clients that write ask the Sentinels for the primary (sentinelHost, masterName).
func (b build) uri(password string) string {
	u := url.URL{Scheme: protocol, User: url.UserPassword("default", password), Host: fmt.Sprintf("%s:%d", b.host(), port), Path: "/0"}
	return u.String()
}

// meta is the metadata of a composed resource: its name and the labels that select it.
func (b build) meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: b.labels(component)}
}

// labels select the resources of one component of this instance.
func (b build) labels(component string) map[string]string {
	return goldenpath.ComponentLabels(App, b.Instance, component)
}
