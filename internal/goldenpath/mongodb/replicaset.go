package mongodb

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// replicaSetScript forms the replica set, or brings its membership to the wanted members.
// It is idempotent: re-running it on a formed set with the right members changes nothing.
// MongoDB lets a reconfiguration add or remove one voting member at a time, so it steps.
const replicaSetScript = `
const wanted = JSON.parse(process.env.MEMBERS);
const setName = process.env.REPLICA_SET;
const auth = encodeURIComponent(process.env.MONGO_USERNAME) + ":" + encodeURIComponent(process.env.MONGO_PASSWORD) + "@";
const connectTo = (host) => connect("mongodb://" + auth + host + "/admin?authSource=admin&directConnection=true&serverSelectionTimeoutMS=5000");
const retry = (what, fn) => {
  for (let i = 1; ; i++) {
    try { return fn(); } catch (e) {
      if (i >= 120) { throw e; }
      print(what + ": " + e.message + "; retrying");
      sleep(5000);
    }
  }
};

// Every member must be up before the set forms, or initial sync starts late.
wanted.forEach((h) => retry("waiting for " + h, () => connectTo(h).adminCommand({ ping: 1 })));

let admin = connectTo(wanted[0]);
if (!admin.hello().setName) {
  let initiated = false;
  try { admin.adminCommand({ replSetGetStatus: 1 }); initiated = true; } catch (e) {
    if (e.codeName !== "NotYetInitialized") { throw e; }
  }
  if (!initiated) {
    print("initiating replica set " + setName + " with " + wanted.join(", "));
    admin.adminCommand({ replSetInitiate: { _id: setName, members: wanted.map((h, i) => ({ _id: i, host: h })) } });
  }
}

const primary = () => retry("waiting for a primary", () => {
  const p = connectTo(wanted[0]).hello().primary;
  if (!p) { throw new Error("no primary yet"); }
  return connectTo(p);
});

for (;;) {
  admin = primary();
  const cfg = admin.adminCommand({ replSetGetConfig: 1 }).config;
  const have = cfg.members.map((m) => m.host);
  const extra = have.filter((h) => !wanted.includes(h));
  const missing = wanted.filter((h) => !have.includes(h));
  if (extra.length === 0 && missing.length === 0) { break; }
  if (extra.length > 0) {
    print("removing member " + extra[0]);
    cfg.members = cfg.members.filter((m) => m.host !== extra[0]);
  } else {
    print("adding member " + missing[0]);
    cfg.members.push({ _id: Math.max(...cfg.members.map((m) => m._id)) + 1, host: missing[0] });
  }
  cfg.version++;
  retry("reconfiguring", () => admin.adminCommand({ replSetReconfig: cfg }));
}

retry("waiting for every member", () => {
  const s = primary().adminCommand({ replSetGetStatus: 1 });
  const healthy = s.members.filter((m) => m.stateStr === "PRIMARY" || m.stateStr === "SECONDARY").length;
  if (healthy < wanted.length) { throw new Error(healthy + "/" + wanted.length + " members healthy"); }
});
print("replica set " + setName + " has its " + wanted.length + " members");
`

// replicaSetJob initiates the replica set, or reconfigures it when the member count
// changes. Its pod template depends on the members, and a Job's template cannot change,
// so each member count has its own Job (and pipeline name).
func replicaSetJob(b build) (runtime.Object, error) {
	members, err := json.Marshal(b.members())
	if err != nil {
		return nil, err
	}
	// Once the Job exists it keeps its image; everything else in the template depends only
	// on the member count, which is part of its name.
	image := stateful.JobImage(b.Observed, ReplicaSetJobName(b.Replicas), b.image())
	return stateful.Job(b.meta(b.names.Job(b.Replicas), componentReplicaSet), mongodbUID, corev1.Container{
		Name:    "replicaset",
		Image:   image,
		Command: []string{"mongosh", "--quiet", "--norc", "--nodb", "--eval", replicaSetScript},
		Env: []corev1.EnvVar{
			{Name: "MEMBERS", Value: string(members)},
			{Name: "REPLICA_SET", Value: replicaSetName},
			stateful.SecretEnv("MONGO_USERNAME", b.names.Credentials, KeyUsername),
			stateful.SecretEnv("MONGO_PASSWORD", b.names.Credentials, KeyPassword),
			// mongosh keeps its history and logs under HOME.
			{Name: "HOME", Value: "/tmp"},
		},
		Resources: stateful.JobResources("128Mi", "512Mi"),
	}), nil
}
