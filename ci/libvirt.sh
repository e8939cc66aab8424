#!/usr/bin/env bash
# Starts virtlogd and libvirtd (daemonized, pidfiles under /run) when they are not running, and
# makes /dev/kvm what Debian's udev rule makes it. Idempotent; part of ci/setup.sh.
set -euo pipefail

running() {  # running PIDFILE EXE: the pidfile names a live process of that executable
  local pid
  [[ -r $1 ]] && pid=$(<"$1") && [[ -n $pid && -e /proc/$pid/exe ]] && [[ $(readlink "/proc/$pid/exe") == "$2" ]]
}

# /dev/kvm: without udev it stays 0600 root:root. libvirt probes QEMU's capabilities with
# CAP_DAC_OVERRIDE (KVM "enabled") but checks the cache as libvirt-qemu without it (KVM "not
# usable"), so it throws the cache away on every lookup: ~50 s per domain start
# (docs/design-vms.md §1). Debian's udev rule (60-qemu-system-common / 50-udev-default) gives it
# root:kvm 0660; do the same, and say so. `netrig doctor` explains it when it is not done.
if [[ -c /dev/kvm ]] && getent group kvm >/dev/null; then
  before=$(stat -c '%a %U:%G' /dev/kvm)
  if [[ $(stat -c %G /dev/kvm) != kvm || $(( 0$(stat -c %a /dev/kvm) & 060 )) != $(( 060 )) ]]; then
    chgrp kvm /dev/kvm
    chmod g+rw /dev/kvm
    echo "ci/libvirt.sh: /dev/kvm was $before, now $(stat -c '%a %U:%G' /dev/kvm) (as Debian's udev rule;" \
      "undo: chgrp root /dev/kvm && chmod 0600 /dev/kvm)"
  fi
fi

# A daemon keeps every descriptor it inherits: started from a run under `flock LOCK bash .ci/run`,
# libvirtd held that lock until it exited (all session long). Start daemons with fds > 2 closed.
detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
    done
    exec "$@"
  )
}

[[ -x /usr/sbin/libvirtd && -x /usr/sbin/virtlogd ]] || exit 0
mkdir -p /run/libvirt
if ! running /run/virtlogd.pid /usr/sbin/virtlogd; then
  detached /usr/sbin/virtlogd -d -p /run/virtlogd.pid
  echo "ci/libvirt.sh: started virtlogd (pid $(cat /run/virtlogd.pid 2>/dev/null || echo ?))"
fi
if ! running /run/libvirtd.pid /usr/sbin/libvirtd; then
  detached /usr/sbin/libvirtd -d -p /run/libvirtd.pid
  for _ in $(seq 50); do
    [[ -S /run/libvirt/libvirt-sock ]] && break
    sleep 0.1
  done
  echo "ci/libvirt.sh: started libvirtd (pid $(cat /run/libvirtd.pid 2>/dev/null || echo ?))"
fi
