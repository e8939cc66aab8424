#!/usr/bin/env bash
# Builds the guest image for `kind: vm` nodes from Debian packages, without installing them on the
# host: the kernel (as an uncompressed vmlinux, booted through PVH) and a cpio initramfs holding
# busybox, iperf3, tcpdump, ping, nc, ip with their libraries, the kernel modules the labs need,
# /init and netrig-agent.
#
#   images/build.sh [--print-dir]
#
# The image goes to ${NETRIG_IMAGE_DIR:-/var/cache/netrig/images}/<key>/ where key hashes the
# recipe (guest.recipe, this script, init.sh, netrig-agent.c) and the resolved package versions;
# <dir>/current points at the newest. An existing image for the key is reused (a cache hit costs
# one `apt-get download --print-uris`). Prints the image directory on the last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root_dir=${NETRIG_IMAGE_DIR:-/var/cache/netrig/images}
# shellcheck source=guest.recipe
. "$here/guest.recipe"

start=$(date +%s.%N)
kernel=$(apt-cache depends "$KERNEL_META" | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kernel" ] || { echo "images/build.sh: cannot resolve $KERNEL_META (apt-get update?)" >&2; exit 1; }
# shellcheck disable=SC2086
uris=$(apt-get download --print-uris "$kernel" $PACKAGES 2>/dev/null | awk '{print $2}' | sort)
[ -n "$uris" ] || { echo "images/build.sh: apt-get cannot find the packages: $kernel $PACKAGES" >&2; exit 1; }
key=$( (cat "$here/guest.recipe" "$here/build.sh" "$here/init.sh" "$here/netrig-agent.c"; echo "$uris") |
  sha256sum | cut -c1-16)
out=$root_dir/$key
if [ -f "$out/manifest.json" ]; then
  ln -sfn "$key" "$root_dir/current"
  echo "$out"
  exit 0
fi

mkdir -p "$root_dir"
work=$(mktemp -d "$root_dir/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/x" "$work/k" "$work/stage"
(cd "$work/debs" && apt-get -q -o APT::Sandbox::User=root download "$kernel" $PACKAGES >/dev/null)
for d in "$work"/debs/linux-image-*.deb; do dpkg-deb -x "$d" "$work/k"; done
for d in "$work"/debs/*.deb; do
  case $d in */linux-image-*) ;; *) dpkg-deb -x "$d" "$work/x" ;; esac
done
kver=${kernel#linux-image-}
s=$work/stage
mkdir -p "$s"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/netrig,proc,sys,dev,run,tmp,root}

# busybox with every applet as a link; the real tools win in PATH order (/usr/bin before /bin).
cp "$work/x/bin/busybox" "$s/bin/busybox"
for a in $("$s/bin/busybox" --list-full); do
  [ -e "$s/$a" ] || ln -s /bin/busybox "$s/$a"
done
for p in $PROGRAMS; do
  [ -x "$work/x$p" ] || { echo "images/build.sh: $p is not in the packages" >&2; exit 1; }
  rm -f "$s/usr/bin/$(basename "$p")"
  cp "$work/x$p" "$s/usr/bin/"
done
ln -sf nc.openbsd "$s/usr/bin/nc"
# Debian's busybox-static runs its own applets before PATH (ping, ip, nc would be busybox's): the
# guest's /bin/sh is dash, as on the host, so commands find the real tools.
ln -sf /usr/bin/dash "$s/bin/sh"
mkdir -p "$s/etc/modprobe.d"
echo "options bonding max_bonds=0" >"$s/etc/modprobe.d/netrig.conf"
# Shared libraries: resolved with the extracted packages first, then the host's (same release).
libpath=$work/x/usr/lib/x86_64-linux-gnu:$work/x/lib/x86_64-linux-gnu
missing=""
for p in "$s"/usr/bin/*; do
  [ -L "$p" ] && continue
  while read -r line; do
    case $line in
      *"not found"*) missing="$missing ${line%% *}" ;;
      *"=> /"*) lib=${line#*=> }; lib=${lib%% (*}; cp -Ln "$lib" "$s/lib/" 2>/dev/null || true ;;
      /lib64/ld-linux*) cp -Ln "${line%% (*}" "$s/lib64/" 2>/dev/null || true ;;
    esac
  done < <(LD_LIBRARY_PATH=$libpath ldd "$p" 2>/dev/null || true)
done
[ -z "$missing" ] || { echo "images/build.sh: libraries not found:$missing" >&2; exit 1; }
echo /lib >"$s/etc/ld.so.conf"
mkdir -p "$s/usr/lib" && ln -s ../lib "$s/usr/lib/x86_64-linux-gnu" && ln -s . "$s/lib/x86_64-linux-gnu"
echo "root:x:0:0:root:/root:/bin/sh" >"$s/etc/passwd"
echo "root:x:0:" >"$s/etc/group"
printf 'hosts: files\n' >"$s/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$s/etc/hosts"

# Kernel modules: the boot set in load order, the lab set with their dependencies.
depmod -b "$work/k" "$kver"
modlist() { for m in "$@"; do modprobe -d "$work/k" -S "$kver" --show-depends "$m"; done |
  awk '$1 == "insmod" {print $2}' | awk '!seen[$0]++'; }
# shellcheck disable=SC2086
boot=$(modlist $BOOT_MODULES)
# shellcheck disable=SC2086
lab=$(modlist $LAB_MODULES)
for f in $boot $lab; do
  rel=${f#"$work/k"}
  mkdir -p "$s$(dirname "$rel")"
  case $f in
    *.xz) xz -dc "$f" >"$s${rel%.xz}" ;;
    *.zst) zstd -qdc "$f" >"$s${rel%.zst}" ;;
    *) cp "$f" "$s$rel" ;;
  esac
done
cp "$work/k/lib/modules/$kver/modules.order" "$work/k/lib/modules/$kver/modules.builtin"* "$s/lib/modules/$kver/"
depmod -b "$s" "$kver"
for f in $boot; do rel=${f#"$work/k"}; echo "${rel%.[xz][zs]*}"; done >"$s/etc/netrig/boot-modules"
echo "$LAB_MODULES" >"$s/etc/netrig/lab-modules"

# The agent (static, so it needs nothing from the image) and /init.
cc -static -Os -Wall -o "$s/usr/sbin/netrig-agent" "$here/netrig-agent.c"
strip "$s/usr/sbin/netrig-agent"
install -m 0755 "$here/init.sh" "$s/init"

# An uncompressed vmlinux (ELF with the PVH entry note): QEMU boots it directly, no firmware and
# no emulated decompression. Found as the xz stream inside the bzImage.
python3 - "$work/k/boot/vmlinuz-$kver" "$work/vmlinux" <<'EOF'
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("images/build.sh: no xz stream in " + sys.argv[1])
d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
out = d.decompress(data[at:])
if out[:4] != b"\x7fELF":
    sys.exit("images/build.sh: the decompressed kernel is not an ELF file")
open(sys.argv[2], "wb").write(out)
EOF

export SOURCE_DATE_EPOCH=0
(cd "$s" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet) >"$work/initrd.cpio"
mkdir -p "$work/out"
mv "$work/vmlinux" "$work/initrd.cpio" "$work/out/"
echo "$CMDLINE" >"$work/out/cmdline"
end=$(date +%s.%N)
python3 - "$work/out" "$kernel" "$kver" "$uris" "$start" "$end" <<'EOF'
import json, os, sys
out, kernel, kver, uris, start, end = sys.argv[1:]
json.dump({
    "kernel_package": kernel, "kernel_release": kver,
    "packages": [u.split("/")[-1] for u in uris.split("\n") if u],
    "vmlinux_bytes": os.path.getsize(out + "/vmlinux"),
    "initrd_bytes": os.path.getsize(out + "/initrd.cpio"),
    "build_seconds": round(float(end) - float(start), 1),
}, open(out + "/manifest.json", "w"), indent=1)
EOF
rm -rf "$out"
mv "$work/out" "$out"
ln -sfn "$key" "$root_dir/current"
# Older images (another recipe): a running guest keeps its open files, so removing is safe.
for old in "$root_dir"/*; do
  [ -L "$old" ] || [ "$(basename "$old")" = "$key" ] || rm -rf "$old"
done
echo "images/build.sh: built $out in $(python3 -c "print(round($end-$start,1))") s" >&2
echo "$out"
