#!/usr/bin/env bash
# Builds the console's container image where the usual .NET base image cannot be pulled: a base image
# made from Debian packages and the .NET runtime of the SDK that runs this script, served from a
# registry on localhost for the length of one `dotnet publish -t:PublishContainer`.
#
#   deploy/image/build-base.sh [extra dotnet publish arguments]
#
# The base mirrors the ASP.NET Core runtime image: Debian 12 (bookworm) with libc, libicu, libssl,
# ca-certificates and tzdata, the ASP.NET Core shared runtime in /usr/share/dotnet (so the local
# cluster's demo workload, started with `dotnet`, runs too), the non-root user "app" (UID 1654).
# The console's image is written where the project says (artifacts/container/opsconsole.tar).
#
# Needs root and Debian's mmdebstrap, umoci, skopeo and docker-registry:
#   apt-get install -y mmdebstrap umoci skopeo docker-registry
# Settings (environment): BASE_PORT (5000), BASE_NAME (opsconsole-base), BASE_TAG (10.0-bookworm),
# BASE_WORK (a new temporary folder; kept with KEEP_WORK=1; a base already built there is reused),
# SUITE (bookworm), MIRROR (Debian's default), PUBLISH (1; 0 builds the base only).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${BASE_PORT:-5000}"
name="${BASE_NAME:-opsconsole-base}"
tag="${BASE_TAG:-10.0-bookworm}"
suite="${SUITE:-bookworm}"
work="${BASE_WORK:-$(mktemp -d)}"
mkdir -p "$work"
registry_pid=""
cleanup() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

for tool in mmdebstrap umoci skopeo docker-registry dotnet; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y mmdebstrap umoci skopeo docker-registry)" >&2; exit 1; }
done

# 1. The .NET runtime to copy: the newest ASP.NET Core 10.0 runtime beside this SDK, and the
#    Microsoft.NETCore.App of the same version.
line="$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\.0\./' | sort -V -k2 | tail -n1)"
[ -n "$line" ] || { echo "no ASP.NET Core 10.0 runtime found (dotnet --list-runtimes)" >&2; exit 1; }
version="$(echo "$line" | awk '{print $2}')"
dotnet_root="$(echo "$line" | sed -E 's/.*\[(.*)\/shared\/Microsoft.AspNetCore.App\]$/\1/')"
[ -d "$dotnet_root/shared/Microsoft.NETCore.App/$version" ] || { echo "Microsoft.NETCore.App $version not found" >&2; exit 1; }
echo "base: Debian $suite + ASP.NET Core runtime $version"

if [ -f "$work/oci/index.json" ] && umoci ls --layout "$work/oci" | grep -qx base; then
  echo "reusing the base image in $work/oci"
else
# 2. An empty OCI image to fill, unpacked as a bundle.
umoci init --layout "$work/oci"
umoci new --image "$work/oci:base"
umoci unpack --image "$work/oci:base" "$work/bundle"
rootfs="$work/bundle/rootfs"

# 3. A minimal Debian: only Essential packages plus what .NET and the console load. No apt, no docs.
# shellcheck disable=SC2086
mmdebstrap --variant=essential --mode=root \
  --include=ca-certificates,libicu72,libssl3,tzdata,libgcc-s1,libstdc++6,zlib1g,libgssapi-krb5-2 \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook='rm -rf "$1"/var/cache/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
  "$suite" "$rootfs" ${MIRROR:-}

# 4. The runtime, as the ASP.NET Core image lays it out, and the non-root user.
install -d "$rootfs/usr/share/dotnet/host/fxr" "$rootfs/usr/share/dotnet/shared"
cp -a "$dotnet_root/dotnet" "$rootfs/usr/share/dotnet/"
cp -a "$dotnet_root/host/fxr/$version" "$rootfs/usr/share/dotnet/host/fxr/" 2>/dev/null \
  || cp -a "$(ls -d "$dotnet_root"/host/fxr/10.0.* | sort -V | tail -n1)" "$rootfs/usr/share/dotnet/host/fxr/"
for fw in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  install -d "$rootfs/usr/share/dotnet/shared/$fw"
  cp -a "$dotnet_root/shared/$fw/$version" "$rootfs/usr/share/dotnet/shared/$fw/"
done
for f in LICENSE.txt ThirdPartyNotices.txt; do [ -f "$dotnet_root/$f" ] && cp "$dotnet_root/$f" "$rootfs/usr/share/dotnet/"; done
ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
grep -q '^app:' "$rootfs/etc/group" || echo 'app:x:1654:' >> "$rootfs/etc/group"
grep -q '^app:' "$rootfs/etc/passwd" || echo 'app:x:1654:1654::/home/app:/usr/sbin/nologin' >> "$rootfs/etc/passwd"
install -d -o 1654 -g 1654 "$rootfs/home/app" "$rootfs/data"
install -d "$rootfs/app"

# 5. One layer, and the configuration the ASP.NET Core image has.
umoci repack --image "$work/oci:base" "$work/bundle"
umoci config --image "$work/oci:base" --os linux --architecture amd64 \
  --config.user 1654 --config.workingdir /app \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.env APP_UID=1654 --config.env ASPNETCORE_HTTP_PORTS=8080 \
  --config.env DOTNET_RUNNING_IN_CONTAINER=true --config.env DOTNET_VERSION="$version" \
  --config.env ASPNET_VERSION="$version" \
  --config.label org.opencontainers.image.description="Debian $suite with the ASP.NET Core $version runtime"
fi
[ "${PUBLISH:-1}" = 1 ] || { echo "base image in $work/oci (PUBLISH=0: not published)"; exit 0; }

# 6. A registry on localhost for the SDK to pull the base from.
mkdir -p "$work/registry"
cat > "$work/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.2
done
skopeo copy --quiet --dest-tls-verify=false "oci:$work/oci:base" "docker://localhost:$port/$name:$tag"

# 7. The console's image on that base: the same command as with the standard base.
cd "$root"
dotnet publish src/Console -c Release -t:PublishContainer \
  -p:ContainerBaseImage="localhost:$port/$name:$tag" "$@"
