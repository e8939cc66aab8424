#!/usr/bin/env bash
# Installs everything netrig needs on a fresh Debian machine. Idempotent: safe to run again.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libyaml-cpp-dev libnl-3-dev libnl-route-3-dev libmnl-dev libboost-dev libboost-filesystem-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libnftables-dev libgtest-dev libgmock-dev
  libpcap-dev
  iproute2 iputils-ping iperf3 tcpdump netcat-openbsd socat nftables procps dnsmasq-base busybox
  mininet python3 bridge-utils time strace
  openvswitch-switch openvswitch-common openvswitch-testcontroller
  python3-jsonschema python3-yaml libxml2-utils python3-junitparser
  qemu-system-x86 cpio kmod xz-utils
  libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients
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
# The guest image for `kind: vm` nodes (Debian packages fetched, not installed; cached by recipe).
bash "$(dirname "$0")/../images/build.sh" >/dev/null
# The libvirt driver (settings.vm_driver: libvirt) talks to a local libvirtd; these machines have no
# systemd, so start virtlogd (console logs) and libvirtd as daemons when they are not running.
bash "$(dirname "$0")/libvirt.sh"
