#!/usr/bin/env bash
# Installs everything netrig needs on a fresh Debian machine. Idempotent: safe to run again.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang-format ccache clang libclang-rt-14-dev
  libyaml-cpp-dev libnl-3-dev libnl-route-3-dev libmnl-dev libboost-dev libboost-filesystem-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libnftables-dev libgtest-dev libgmock-dev
  libpcap-dev wrk curl jq
  iproute2 iputils-ping iperf3 tcpdump netcat-openbsd socat nftables procps dnsmasq-base busybox
  mininet python3 bridge-utils time strace
  openvswitch-switch openvswitch-common openvswitch-testcontroller
  python3-jsonschema python3-yaml libxml2-utils python3-junitparser
  chromium
  graphviz
  qemu-system-x86 cpio kmod xz-utils
  libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients
  runc tini mmdebstrap
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js and npm, for the YAML language server below. Debian's nodejs/npm only when neither
# command exists (a nodejs from elsewhere brings its own npm, which Debian's npm would conflict with).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
# The YAML language server editors use (npm yaml-language-server, pinned), in this checkout's
# .cache/yaml-ls/ (git-ignored; never a global install): schema_test drives it over LSP to check the
# topology schema as an editor sees it. Without the npm registry the test skips and says why.
yaml_ls_version=2.0.0
yaml_ls_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/yaml-ls"
if [[ "$(cat "$yaml_ls_dir/node_modules/yaml-language-server/package.json" 2>/dev/null)" != *"\"version\": \"$yaml_ls_version\""* ]]; then
  npm install --prefix "$yaml_ls_dir" --no-audit --no-fund --no-save --loglevel=error \
    "yaml-language-server@$yaml_ls_version" >/dev/null ||
    echo "ci/setup.sh: warning: npm could not install yaml-language-server@$yaml_ls_version; the editor schema test will skip" >&2
fi
# Playwright's driver library (npm playwright-core, pinned; no browser download: it drives Debian's
# /usr/bin/chromium), in .cache/playwright/ likewise: api_page_test runs the status page in it.
playwright_version=1.65.2
playwright_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/playwright"
if [[ "$(cat "$playwright_dir/node_modules/playwright-core/package.json" 2>/dev/null)" != *"\"version\": \"$playwright_version\""* ]]; then
  npm install --prefix "$playwright_dir" --no-audit --no-fund --no-save --loglevel=error \
    "playwright-core@$playwright_version" >/dev/null ||
    echo "ci/setup.sh: warning: npm could not install playwright-core@$playwright_version; the status page browser test will skip" >&2
fi
# promtool (the /metrics tests' linter) from Debian's prometheus package, extracted rather than
# installed: installing it would add a user and start and enable the prometheus daemon.
if ! command -v promtool >/dev/null; then
  tmp=$(mktemp -d)
  chmod 755 "$tmp"  # apt's _apt user downloads into it
  (cd "$tmp" && { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus; }; } &&
    dpkg-deb -x prometheus_*.deb root)
  install -m 0755 "$tmp/root/usr/bin/promtool" /usr/local/bin/promtool
  rm -rf "$tmp"
fi
# The guest image for `kind: vm` nodes (Debian packages fetched, not installed; cached by recipe).
bash "$(dirname "$0")/../images/build.sh" >/dev/null
# The netrig/debian root filesystem for `kind: container` nodes (mmdebstrap; cached by the recipe's
# hash, so only the first run builds, ~2 min). Not fatal: the container tests then SKIP saying why.
bash "$(dirname "$0")/../images/build-container.sh" >/dev/null ||
  echo "ci/setup.sh: netrig/debian container image not built; container tests will be skipped" >&2
# The libvirt driver (settings.vm_driver: libvirt) talks to a local libvirtd; these machines have no
# systemd, so start virtlogd (console logs) and libvirtd as daemons when they are not running.
bash "$(dirname "$0")/libvirt.sh"
