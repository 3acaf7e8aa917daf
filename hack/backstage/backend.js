// A Backstage backend with the plugins a portal of this platform runs: the catalog (with the
// Template kind), the Kubernetes backend, the TeraSky kubernetes-ingestor and the
// crossplane-resources backend. make e2e-backstage starts it inside the e2e's private network
// namespace, on loopback, against the control plane (hack/e2e/cluster.sh), and the Go test
// test/e2e/backstage_test.go checks what it makes of the function's output through its REST
// APIs. Configuration: app-config.yaml beside this file.
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
for (const plugin of [
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-catalog-backend-module-scaffolder-entity-model',
  '@backstage/plugin-kubernetes-backend',
  '@terasky/backstage-plugin-kubernetes-ingestor',
  '@terasky/backstage-plugin-crossplane-resources-backend',
]) {
  const mod = require(plugin);
  backend.add(mod.default ?? mod);
}
backend.start();
