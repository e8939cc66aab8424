#!/bin/sh
# /init of a netrig guest (busybox sh, PID 1): mounts, loads modules, starts the agent.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp /var/run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
hostname "$(sed -n 's/.*netrig.name=\([^ ]*\).*/\1/p' /proc/cmdline)"
for m in $(cat /etc/netrig/boot-modules); do insmod "$m" 2>/dev/null; done
# The lab modules (/etc/netrig/lab-modules: VLAN, bridge, bond, GRE, OVS, qdiscs) load on first
# use: the kernel runs /sbin/modprobe, which finds them through modules.alias. Loading all of them
# here cost ~0.8 s of emulated CPU per guest, and guests boot at the same time.
ip link set lo up
echo "NETRIG-READY $(cut -d' ' -f1 /proc/uptime)" >/dev/ttyS0
port=
for p in /sys/class/virtio-ports/*; do
  [ "$(cat "$p/name" 2>/dev/null)" = org.netrig.agent.0 ] && port=/dev/${p##*/}
done
if [ -z "$port" ]; then
  echo "netrig: no virtio-serial port named org.netrig.agent.0" >/dev/ttyS0
  exec sh </dev/ttyS0 >/dev/ttyS0 2>&1
fi
# A shell on the serial console for `netrig console`, the agent on its port (restarted if it dies).
(while :; do setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'; done) &
while :; do /usr/sbin/netrig-agent "$port"; sleep 1; done
