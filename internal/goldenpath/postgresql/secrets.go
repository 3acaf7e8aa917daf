package postgresql

import (
	"fmt"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Keys of the credentials Secrets, the instance's connection details (CloudNativePG's).
const (
	KeyUsername = "username"
	KeyPassword = "password"
	KeyHost     = "host"
	KeyPort     = "port"
	KeyDBName   = "dbname"
	KeyURI      = "uri"
	KeyJDBCURI  = "jdbc-uri"
)

// Fields of the spec that name the application's database and its owner.
const (
	fieldDatabase = "database"
	fieldOwner    = "owner"
)

// ReasonDatabaseChangeRefused says spec.database or spec.owner changed after the database
// was created.
const ReasonDatabaseChangeRefused = "DatabaseChangeRefused"

const passwordLength = 32

// kept is the Secret of a pipeline name, generated once: the data knows every password.
func (b build) kept(name resource.Name, object, existing string) stateful.Kept {
	return stateful.Kept{
		Observed: b.Observed, Required: b.Required, Name: name, Object: object,
		Existing: existing, Volumes: requiredVolumes, InUse: b.user(),
	}
}

// user names the running StatefulSet, which uses every Secret, or is empty.
func (b build) user() string {
	if b.running == nil {
		return ""
	}
	return "StatefulSet " + b.running.StatefulSet.GetName()
}

func password(k stateful.Kept) (string, error) {
	return k.Value(KeyPassword, func() (string, error) { return stateful.RandomAlphanumeric(passwordLength) })
}

func superuserSecret(b build) (runtime.Object, error) {
	pw, err := password(b.kept(SuperuserName, b.names.Superuser, requiredSuperuser))
	if err != nil {
		return nil, err
	}
	return b.credentials(b.names.Superuser, "superuser", superuser, pw, "postgres"), nil
}

func appSecret(b build) (runtime.Object, error) {
	pw, err := password(b.kept(AppName, b.names.App, requiredApp))
	if err != nil {
		return nil, err
	}
	return b.credentials(b.names.App, "app", b.owner, pw, b.database), nil
}

func replicationSecret(b build) (runtime.Object, error) {
	pw, err := password(b.kept(ReplicationName, b.names.Replication, requiredReplication))
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		ObjectMeta: b.meta(b.names.Replication, "replication"),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{KeyUsername: []byte(replicationUser), KeyPassword: []byte(pw)},
	}, nil
}

// credentials is a Secret with CloudNativePG's keys, for the primary's Service.
func (b build) credentials(name, component, user, pw, db string) *corev1.Secret {
	host := host(b.Request)
	return &corev1.Secret{
		ObjectMeta: b.meta(name, component),
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			KeyUsername: []byte(user),
			KeyPassword: []byte(pw),
			KeyHost:     []byte(host),
			KeyPort:     []byte(strconv.Itoa(port)),
			KeyDBName:   []byte(db),
			KeyURI:      []byte(uri(host, user, pw, db)),
			KeyJDBCURI:  []byte(jdbcURI(host, user, pw, db)),
		},
	}
}

func uri(host, user, pw, db string) string {
	u := url.URL{Scheme: "postgresql", User: url.UserPassword(user, pw), Host: fmt.Sprintf("%s:%d", host, port), Path: "/" + db}
	return u.String()
}

func jdbcURI(host, user, pw, db string) string {
	q := url.Values{"user": {user}, "password": {pw}}
	return fmt.Sprintf("jdbc:postgresql://%s:%d/%s?%s", host, port, db, q.Encode())
}

// keepDatabase keeps the application's database and owner as the instance has them: the
// database exists with its data, and renaming it is the team's SQL, not an update. They are
// read from the app Secret, kept like its password.
func (b build) keepDatabase() (string, string, []goldenpath.Refusal, error) {
	// Only the Secret tells: without one, the spec's names apply (and the password's Kept
	// decides whether a new instance may start).
	k := b.kept(AppName, b.names.App, requiredApp)
	k.Volumes, k.InUse = "", ""
	var refused []goldenpath.Refusal
	database, owner := b.Database, b.Owner
	for _, f := range []struct {
		key, field string
		into       *string
	}{
		{KeyDBName, fieldDatabase, &database},
		{KeyUsername, fieldOwner, &owner},
	} {
		asked := *f.into
		v, err := k.Value(f.key, func() (string, error) { return asked, nil })
		if err != nil {
			return "", "", nil, err
		}
		*f.into = v
		if v != asked {
			path := specPath.Child(f.field)
			refused = append(refused, goldenpath.Refuse(path, ReasonDatabaseChangeRefused,
				"the instance's %s is %q and holds its data; it stays %q. Rename it with SQL (ALTER DATABASE … RENAME TO / ALTER ROLE … RENAME TO) and the Secret %s, or set %s back",
				f.field, v, v, b.names.App, path))
		}
	}
	return database, owner, refused, nil
}

// meta is the metadata of a composed resource: its name and the labels that select it.
func (b build) meta(name, component string) metav1.ObjectMeta {
	return stateful.Meta(App, b.Instance, name, component)
}

// labels select the members and what serves them.
func (b build) labels() map[string]string {
	return goldenpath.ComponentLabels(App, b.Instance, componentDatabase)
}

// host is the primary's Service's DNS name, stable across clusters' domains.
func host(r goldenpath.Request) string {
	return fmt.Sprintf("%s.%s.svc", r.Instance.Name, r.XR.Resource.GetNamespace())
}
