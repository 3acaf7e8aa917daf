#!/usr/bin/env bash
# Installs the Backstage backend's packages (hack/backstage/package-lock.json, pinned) with npm
# ci, once: node_modules is reused until the lockfile changes. better-sqlite3 builds from source
# against the machine's Node.js headers (Debian's libnode-dev), since prebuilt binaries come
# from outside the npm registry.
set -euo pipefail
cd "$(dirname "$0")"

command -v node >/dev/null && command -v npm >/dev/null || { echo "install.sh: needs node and npm" >&2; exit 1; }
if [[ ! -f /usr/include/node/node.h && -z "$(npm config get nodedir 2>/dev/null | grep -v undefined)" ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libnode-dev ||
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libnode-dev; }
fi
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
  exit 0
fi
start=$(date +%s)
npm ci --no-audit --no-fund --loglevel=error --nodedir="$( [[ -f /usr/include/node/node.h ]] && echo /usr || npm config get nodedir)"
echo "${want}" > "${stamp}"
echo "install.sh: npm ci took $(( $(date +%s) - start )) s"
