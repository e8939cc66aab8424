#!/usr/bin/env bash
# Builds the `netrig/debian` container image (a root filesystem) from Debian packages with
# mmdebstrap, without Docker or a registry:
#
#   images/build-container.sh [RECIPE]      # default: images/container-debian.recipe
#
# The root filesystem goes to ${NETRIG_CONTAINER_DIR:-/var/cache/netrig/containers}/.builds/<key>/
# where key hashes the recipe, this script and the resolved package versions; the image name
# (netrig/debian:latest -> <dir>/netrig+debian/latest) is a link to it. An existing build for the
# key is reused. Prints the image directory on the last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
recipe=${1:-$here/container-debian.recipe}
store=${NETRIG_CONTAINER_DIR:-/var/cache/netrig/containers}
# shellcheck source=container-debian.recipe
. "$recipe"

start=$(date +%s.%N)
# shellcheck disable=SC2086
uris=$(apt-get download --print-uris $PACKAGES 2>/dev/null | awk '{print $2}' | sort)
[ -n "$uris" ] || { echo "images/build-container.sh: apt-get cannot resolve: $PACKAGES (apt-get update?)" >&2; exit 1; }
key=$( (cat "$recipe" "$here/build-container.sh"; echo "$uris") | sha256sum | cut -c1-16)
name=${IMAGE%:*} tag=${IMAGE##*:}
link=$store/${name//\//+}/$tag
out=$store/.builds/$key
if [ -f "$out/image.json" ]; then
  mkdir -p "$(dirname "$link")" && ln -sfn "$out" "$link"
  echo "$link"
  exit 0
fi
command -v mmdebstrap >/dev/null || { echo "images/build-container.sh: needs mmdebstrap (Debian: apt-get install mmdebstrap)" >&2; exit 1; }
mkdir -p "$store/.builds"
work=$(mktemp -d "$store/.builds/.tmp-XXXXXX")
trap 'rm -rf "$work"' EXIT
# Docs, man pages and locales are dropped as dpkg unpacks (the image stays small); apt's lists go.
mmdebstrap --quiet --variant="$VARIANT" --include="${PACKAGES// /,}" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
  --customize-hook='echo netrig > "$1"/etc/hostname' \
  "$SUITE" "$work/rootfs" "$MIRROR" >&2
end=$(date +%s.%N)
python3 - "$work" "$IMAGE" "$CMD" "$uris" "$start" "$end" <<'PY'
import json, os, sys
work, image, cmd, uris, start, end = sys.argv[1:]
size = 0
for d, _, files in os.walk(work + "/rootfs"):
    for f in files:
        p = os.path.join(d, f)
        if not os.path.islink(p):
            size += os.path.getsize(p)
json.dump({
    "name": image, "source": "images/build-container.sh",
    "entrypoint": [], "cmd": json.loads(cmd), "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    "workdir": "/", "user": "",
    "packages": [u.split("/")[-1].strip("'") for u in uris.split("\n") if u],
    "rootfs_bytes": size, "build_seconds": round(float(end) - float(start), 1),
}, open(work + "/image.json", "w"), indent=1)
PY
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
mkdir -p "$(dirname "$link")" && ln -sfn "$out" "$link"
# Older builds of this same image: removed unless something still mounts their root filesystem.
for old in "$store"/.builds/*; do
  [ "$old" = "$out" ] && continue
  grep -q "\"name\": \"$IMAGE\"" "$old/image.json" 2>/dev/null || continue
  grep -q "$old/rootfs" /proc/mounts || rm -rf "$old"
done
echo "images/build-container.sh: built $IMAGE in $(python3 -c "print(round($end-$start,1))") s ($(du -sh "$out/rootfs" | cut -f1))" >&2
echo "$link"
