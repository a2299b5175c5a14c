#!/usr/bin/env bash
# Build the inbox-bot container image without pulling any image: a Debian root made with debootstrap from Debian's
# packages becomes the base, deploy/Containerfile is built on it with buildah (or podman), the bot's dependencies
# come from PyPI. Run as root on a Debian or Ubuntu machine, from anywhere:
#
#   apt-get install debootstrap buildah          # or podman instead of buildah
#   deploy/build-image.sh                        # -> localhost/inbox-bot:latest
#   podman run -d --name inbox-bot --env-file /etc/inbox-bot/env -v inbox-bot-data:/var/lib/inbox-bot \
#       localhost/inbox-bot:latest
#
# Settings (environment variables):
#   IMAGE=localhost/inbox-bot:latest    the image to make
#   BASE_IMAGE=localhost/inbox-bot-base:bookworm   the debootstrapped base (made once, kept; REBUILD_BASE=1 remakes it)
#   SUITE=bookworm                      Debian release of the base
#   MIRROR=                             Debian mirror for debootstrap (default: the first one this machine's apt uses)
#   WORKDIR=                            where the root is made (default: a temporary folder, removed afterwards)
#   BUILD_CA=                           CA bundle pip trusts during the build only, e.g. a TLS-inspecting proxy's
#                                       (default: this machine's /etc/ssl/certs/ca-certificates.crt; "none": off)
#   PIP_INDEX_URL=                      a PyPI mirror, passed to pip in the build
#   ISOLATION=chroot                    how the build's RUN steps are isolated: chroot works without an OCI runtime
#                                       (inside a container, on a host with hybrid cgroups); "oci" uses crun/runc
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
context=$(dirname "$here")
IMAGE=${IMAGE:-localhost/inbox-bot:latest}
BASE_IMAGE=${BASE_IMAGE:-localhost/inbox-bot-base:bookworm}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-}
REBUILD_BASE=${REBUILD_BASE:-0}
BUILD_CA=${BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
PIP_INDEX_URL=${PIP_INDEX_URL:-}
ISOLATION=${ISOLATION:-chroot}

say() { printf 'build-image: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if command -v buildah >/dev/null; then
    tool=buildah
elif command -v podman >/dev/null; then
    tool=podman
else
    die "neither buildah nor podman is installed (apt-get install buildah)"
fi
[ "$(id -u)" = 0 ] || die "run as root: debootstrap and the image store need it"

# the mirror this machine's apt already uses, so the build reaches nothing new
apt_mirror() {
    local word
    grep -hsE '^(URIs:|deb) ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        | tr -s '[:blank:]' '\n' | while read -r word; do
            case "$word" in
                http*://*/debian | http*://*/debian/) echo "$word"; break ;;
            esac
        done
    return 0  # none found (or a sources file missing): debootstrap's default
}

image_exists() { "$tool" inspect --type image "$1" >/dev/null 2>&1; }

make_base() {
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
    local work root mirror
    work=${WORKDIR:-$(mktemp -d /var/tmp/inbox-bot-base.XXXXXX)}
    root="$work/root"
    mkdir -p "$work"
    mirror=${MIRROR:-$(apt_mirror)}
    say "debootstrap $SUITE into $root${mirror:+ from $mirror}"
    rm -rf "$root"
    # shellcheck disable=SC2086  # no mirror: debootstrap's own default
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        "$SUITE" "$root" $mirror >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
    # a smaller image: no package downloads, no package lists, no docs
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
        "$root"/usr/share/man/* "$root"/var/log/*.log
    say "importing the root as $BASE_IMAGE"
    if [ "$tool" = buildah ]; then
        local ctr mnt
        ctr=$(buildah from scratch)
        mnt=$(buildah mount "$ctr")
        cp -a "$root"/. "$mnt"/
        buildah umount "$ctr" >/dev/null
        buildah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            --os linux --arch "$(dpkg --print-architecture)" "$ctr"
        buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
    else
        tar -C "$root" -c . | podman import --quiet - "$BASE_IMAGE" >/dev/null
    fi
    [ -n "${WORKDIR:-}" ] || rm -rf "$work"
}

if [ "$REBUILD_BASE" = 1 ] || ! image_exists "$BASE_IMAGE"; then
    make_base
else
    say "using the base $BASE_IMAGE (REBUILD_BASE=1 remakes it)"
fi

build_args=(--build-arg "BASE=$BASE_IMAGE")
[ -z "$PIP_INDEX_URL" ] || build_args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
volumes=()
if [ "$BUILD_CA" != none ] && [ -r "$BUILD_CA" ]; then
    volumes=(--volume "$BUILD_CA:/run/build-ca.crt:ro")
    build_args+=(--build-arg PIP_CERT=/run/build-ca.crt)
fi

say "building $IMAGE from deploy/Containerfile with $tool"
# --pull=never: the base is the local one, nothing is pulled; --format docker keeps the HEALTHCHECK
"$tool" build --pull=never --format docker --isolation "$ISOLATION" --network host "${volumes[@]}" "${build_args[@]}" \
    -f "$here/Containerfile" -t "$IMAGE" "$context"
say "done: $IMAGE"
