#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine (root, Node >= 20):
# host packages via apt, npm dependencies, TypeScript build. Fast when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1mstratus setup:\033[0m %s\n' "$*" >&2; }

# binary -> Debian package that provides it
declare -A HOST_PACKAGES=(
  [runc]=runc
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [umoci]=umoci
  [busybox]=busybox-static
  [iptables]=iptables
  [etcd]=etcd-server
  [etcdctl]=etcd-client
  [ip]=iproute2
)
CNI_DIR=/usr/lib/cni

missing=()
for bin in "${!HOST_PACKAGES[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || [ -x "/usr/bin/$bin" ] || missing+=("${HOST_PACKAGES[$bin]}")
done
[ -x "$CNI_DIR/bridge" ] || missing+=(containernetworking-plugins)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing host packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  else
    say "installing host packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# npm dependencies (better-sqlite3 builds from source here; its install script is approved in package.json)
stamp=node_modules/.stratus-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
if ! node -e "require('better-sqlite3')(':memory:')" 2>/dev/null; then
  say "building better-sqlite3"
  npm rebuild better-sqlite3 --loglevel=error
fi

say "building"
npx tsc -p tsconfig.json >/tmp/stratus-tsc.log 2>&1 || { cat /tmp/stratus-tsc.log >&2; say "TypeScript build failed"; exit 1; }
