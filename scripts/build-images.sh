#!/usr/bin/env bash
# Builds the local images the samples and tests use, with no registry: zpm/busybox:latest (busybox httpd on 8080)
# and zpm/busybox:unhealthy (runs, but never passes a health check). Skips images that already exist unless --force.
set -euo pipefail

usage() { echo "usage: $0 [--force]" >&2; }
force=false
for arg in "$@"; do
  case "${arg}" in
    --force) force=true ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done

log() { echo "build-images: $*" >&2; }
readonly repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! docker info >/dev/null 2>&1; then
  log "no Docker Engine answers; run scripts/ensure-docker.sh first."
  exit 1
fi

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

declare -A targets=([latest]="zpm/busybox:latest" [unhealthy]="zpm/busybox:unhealthy")
missing=()
for target in latest unhealthy; do
  if "${force}" || ! image_exists "${targets[${target}]}"; then missing+=("${target}"); fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  log "zpm/busybox:latest and zpm/busybox:unhealthy exist (use --force to rebuild)."
  exit 0
fi

find_busybox_static() {
  # Only the static build works FROM scratch; Debian installs it as /bin/busybox.
  for candidate in /bin/busybox /usr/bin/busybox; do
    if [ -x "${candidate}" ] && file -L "${candidate}" 2>/dev/null | grep -q 'statically linked'; then
      echo "${candidate}"; return 0
    fi
    if [ -x "${candidate}" ] && ! command -v file >/dev/null 2>&1 && ! ldd "${candidate}" >/dev/null 2>&1; then
      echo "${candidate}"; return 0
    fi
  done
  return 1
}

if ! busybox_bin="$(find_busybox_static)"; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing busybox-static (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q busybox-static
    busybox_bin="$(find_busybox_static)" || { log "busybox-static installed but no static /bin/busybox found"; exit 1; }
  else
    log "a static busybox is needed: run 'sudo apt-get install -y busybox-static' and re-run."
    exit 1
  fi
fi

context="$(mktemp -d)"
trap 'rm -rf "${context}"' EXIT
cp -r "${repo_root}/images/busybox/." "${context}/"
mkdir -p "${context}/bin"
cp "${busybox_bin}" "${context}/bin/busybox"

for target in "${missing[@]}"; do
  tag="${targets[${target}]}"
  log "building ${tag} with ${busybox_bin}..."
  # --pull=false: no registry exists here; FROM scratch needs none.
  docker build --pull=false --target "${target}" --label zpm.image=busybox -t "${tag}" "${context}" >&2
done
log "done: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' zpm/busybox | tr '\n' ' ')"
