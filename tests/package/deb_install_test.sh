#!/usr/bin/env bash
# Installs a memview .deb the way a user would, `apt-get install ./memview_*.deb`, in a clean
# minimal Debian 12 chroot (debootstrap --variant=minbase, as ../shared/tools/fresh-ci
# builds one, plus man-db to answer `man -w`), and runs it there: --version of both
# programs, create/poke/dump/remove on a real /dev/shm, the man pages, the completion file,
# and a struct layout through the libclang the package Recommends.
#
#   tests/package/deb_install_test.sh build/package/memview_0.1.0_amd64.deb
#
# Needs root (chroot, mounts in a private mount namespace that vanish with it). The base
# system is built once with mmdebstrap (else debootstrap) and cached as a tarball under
# build/chroot-cache, with the .debs apt downloaded, so later runs need no network and take
# well under a minute; the cache is rebuilt after a week (apt's lists go stale).
# Ends "PASS" or "SKIP: reason" (exit 77: the tools cannot run here) or fails loudly.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
deb=${1:?usage: deb_install_test.sh MEMVIEW.deb}
deb=$(realpath "$deb")
cache=${MEMVIEW_CHROOT_CACHE:-$root/build/chroot-cache}
limit=${MEMVIEW_CHROOT_TIMEOUT:-420}
start=$(date +%s)
say() { echo "deb-install: $1 ($(( $(date +%s) - start )) s)"; }
skip() { echo "SKIP: $1"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root to build and enter a chroot"
command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
# Inside a chroot whose / is not a mount point (a CI that itself runs in a chroot), a new
# mount namespace cannot make / private: the install cannot be isolated there.
if ! why=$(unshare --mount --fork -- true 2>&1); then
  skip "cannot make a private mount namespace here: $why"
fi
if ! command -v mmdebstrap >/dev/null && ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null 2>&1 || true
fi
command -v mmdebstrap >/dev/null || command -v debootstrap >/dev/null \
  || skip "neither mmdebstrap nor debootstrap is installed or installable"

# The mirror this machine's apt uses (as fresh-ci finds it).
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=${mirror%/debian}/debian-security

mkdir -p "$cache/archives/partial"
base="$cache/bookworm-minbase.tar"
if [ -f "$base" ] && [ -z "$(find "$base" -mtime +7)" ]; then
  say "cached base system $(du -m "$base" | cut -f1) MiB"
else
  rm -f "$base" "$base.tmp"
  say "building a minimal Debian 12 (once; cached in $cache)"
  if command -v mmdebstrap >/dev/null; then
    timeout "$limit" mmdebstrap --variant=minbase --include=man-db --skip=cleanup/apt/lists \
      --format=tar bookworm "$base.tmp" "deb $mirror bookworm main" \
      "deb $mirror bookworm-updates main" "deb $security bookworm-security main" \
      >"$cache/bootstrap.log" 2>&1 \
      || { tail -20 "$cache/bootstrap.log"; skip "mmdebstrap could not build the chroot (log: $cache/bootstrap.log)"; }
  else
    dir="$cache/bootstrap-dir"
    rm -rf --one-file-system "$dir"
    timeout "$limit" debootstrap --variant=minbase --include=man-db bookworm "$dir" "$mirror" \
      >"$cache/bootstrap.log" 2>&1 \
      || { tail -20 "$cache/bootstrap.log"; skip "debootstrap could not build the chroot (log: $cache/bootstrap.log)"; }
    tar -C "$dir" -cf "$base.tmp" . && rm -rf --one-file-system "$dir"
  fi
  mv "$base.tmp" "$base"
  say "base system built: $(du -m "$base" | cut -f1) MiB"
fi

work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
chroot_dir="$work/root"
mkdir -p "$chroot_dir"
tar -C "$chroot_dir" -xf "$base"
cp "$deb" "$chroot_dir/tmp/"
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf" 2>/dev/null || true
# Keep what apt downloads for the next run.
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$chroot_dir/etc/apt/apt.conf.d/99keep"
say "chroot unpacked"

# What a user does, inside the chroot, with an empty environment.
cat >"$chroot_dir/tmp/inside.sh" <<'INSIDE'
set -eu
deb=/tmp/$(cd /tmp && ls memview_*.deb)
step() { echo "--- $*"; }
install() { apt-get install -y -q "$deb" >/tmp/apt.log 2>&1; }
step "apt-get install ./$(basename "$deb")"
if ! install; then
  # Lists older than the mirror's files (a cached base): refresh once and retry.
  apt-get update -q >/dev/null 2>&1 || true
  install || { tail -30 /tmp/apt.log; exit 1; }
fi
grep -c '^Unpacking' /tmp/apt.log | sed 's/^/packages unpacked: /'
step "memview-cli --version"
out=$(memview-cli --version); echo "$out"
[ "$out" = "memview-cli $EXPECT_VERSION" ] || { echo "expected 'memview-cli $EXPECT_VERSION'"; exit 1; }
step "memview --version"
out=$(memview --version); echo "$out"
[ "$out" = "memview $EXPECT_VERSION" ] || { echo "expected 'memview $EXPECT_VERSION'"; exit 1; }
step "create / poke / dump / remove"
memview-cli create debtest 4096
memview-cli poke debtest 0x10 deadbeef
memview-cli poke debtest 0x20 --u32 0x01020304
dump=$(memview-cli dump debtest --offset 0x10 --length 32); echo "$dump"
echo "$dump" | grep -q '^00000010  de ad be ef 00' || { echo "poked bytes missing"; exit 1; }
echo "$dump" | grep -q '^00000020  04 03 02 01 00' || { echo "poked u32 missing"; exit 1; }
memview-cli remove debtest
[ ! -e /dev/shm/debtest ] || { echo "remove left /dev/shm/debtest"; exit 1; }
step "man -w"
man -w memview-cli
man -w memview
man memview-cli 2>/dev/null | grep -q 'who-writes' || { echo "man memview-cli lacks who-writes"; exit 1; }
step "bash completion"
test -f /usr/share/bash-completion/completions/memview-cli
step "layout through the recommended libclang"
memview-cli layout --header /usr/share/memview/demo/telemetry.h --type 'struct telemetry' | head -3
echo "inside: all passed"
INSIDE

version=$(dpkg-deb --field "$deb" Version)
status=0
timeout "$limit" unshare --mount --fork --kill-child -- bash -euc '
  r=$1; archives=$2; version=$3
  mount --make-rprivate /
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"   # a /dev/shm of its own
  mount --bind "$archives" "$r/var/cache/apt/archives"
  chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    DEBIAN_FRONTEND=noninteractive EXPECT_VERSION="$version" sh /tmp/inside.sh
' _ "$chroot_dir" "$cache/archives" "$version" </dev/null || status=$?
if [ $status -ne 0 ]; then
  [ $status -eq 124 ] && echo "error: the chroot test took more than $limit s" >&2
  echo "FAIL (exit $status)"
  exit 1
fi
say "PASS"
