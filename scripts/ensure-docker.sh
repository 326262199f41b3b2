#!/usr/bin/env bash
# Makes sure a Docker Engine answers, installing and starting Debian's docker.io only when we are root on
# Debian/Ubuntu and nothing answers. Idempotent: when `docker info` already works it does nothing.
set -euo pipefail

readonly DOCKERD_LOG="${ZPM_DOCKERD_LOG:-/var/log/zpm-dockerd.log}"
readonly WAIT_SECONDS="${ZPM_DOCKERD_WAIT_SECONDS:-60}"
# Every tenant gets its own bridge network, and each takes one address pool. Docker's default pools run out after about
# 30 networks ("could not find an available, non-overlapping IPv4 address pool"), so a dockerd this script starts gets
# 256 /24 pools instead. An engine that already runs is left as it is: configure default-address-pools there.
readonly ADDRESS_POOL="${ZPM_DOCKER_ADDRESS_POOL:-base=10.200.0.0/16,size=24}"
# Without --bip the default bridge takes one of those /24 pools too: 253 addresses, so container 254 fails with "no
# available IPv4 addresses". Keep Docker's usual /16 for it (ZPM_DOCKER_BRIDGE_IP overrides).
readonly BRIDGE_IP="${ZPM_DOCKER_BRIDGE_IP:-172.17.0.1/16}"

log() { echo "ensure-docker: $*" >&2; }

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if docker_answers; then
  log "Docker Engine answers ($(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo unknown version))."
  exit 0
fi

is_debian_like() { [ -r /etc/os-release ] && grep -Eqi '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

if [ "$(id -u)" -ne 0 ] || ! is_debian_like; then
  cat >&2 <<'MSG'
ensure-docker: no Docker Engine answers and this script can only set one up as root on Debian/Ubuntu.
  Start or install Docker yourself, then re-run:
    - Debian/Ubuntu:  sudo apt-get install -y docker.io && sudo dockerd &   (or: sudo systemctl start docker)
    - elsewhere:      see https://docs.docker.com/engine/install/
  If the engine runs elsewhere, point DOCKER_HOST at it (e.g. unix:///var/run/docker.sock).
  Your user must be allowed to use the socket (e.g. member of the "docker" group).
MSG
  exit 1
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  log "DOCKER_HOST=${DOCKER_HOST} does not answer; this script only starts a local dockerd on /var/run/docker.sock."
  log "Unset DOCKER_HOST or start the engine it points to."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  log "installing docker.io from the distribution (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q docker.io
fi

# A dockerd may already be starting (e.g. a concurrent run of this script); only start one when none runs. Only the
# host engine counts: the swarm lab's dockerds (scripts/swarm-lab.sh) run beside it with their own --pidfile, and
# taking one of them for the host engine would leave the host without one. A dockerd counts when /var/run/docker.pid
# names it or when it runs without --pidfile (so with that default file, perhaps not written yet).
dockerd_running() {
  local comm pid
  for comm in /proc/[0-9]*/comm; do
    [ "$(cat "${comm}" 2>/dev/null)" = "dockerd" ] || continue
    pid="${comm#/proc/}"; pid="${pid%/comm}"
    if [ -f /var/run/docker.pid ] && [ "$(cat /var/run/docker.pid)" = "${pid}" ]; then
      return 0
    fi
    if ! tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -q -- '--pidfile'; then
      return 0
    fi
  done
  return 1
}

if ! dockerd_running; then
  log "starting dockerd in the background (log: ${DOCKERD_LOG})..."
  mkdir -p "$(dirname "${DOCKERD_LOG}")"
  # containerd is started by dockerd itself when no system containerd runs.
  nohup dockerd --default-address-pool "${ADDRESS_POOL}" --bip "${BRIDGE_IP}" >>"${DOCKERD_LOG}" 2>&1 &
fi

deadline=$((SECONDS + WAIT_SECONDS))
until docker_answers; do
  if [ "${SECONDS}" -ge "${deadline}" ]; then
    log "dockerd did not answer within ${WAIT_SECONDS}s; last lines of ${DOCKERD_LOG}:"
    tail -n 30 "${DOCKERD_LOG}" >&2 || true
    exit 1
  fi
  sleep 1
done
log "Docker Engine is up ($(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'))."
