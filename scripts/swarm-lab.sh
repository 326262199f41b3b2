#!/usr/bin/env bash
# A real N-node Docker Swarm on this one machine, for the Swarm backend's tests and benchmark.
#
#   scripts/swarm-lab.sh up [N]        make (or repair) the lab: N dockerds (default 3), node 1 the manager
#   scripts/swarm-lab.sh down          remove everything the lab made, also after a half-failed `up`
#   scripts/swarm-lab.sh status        one line per node (tab-separated, see below); exit 0 when the lab is whole,
#                                      1 when part of it is missing or down, 3 when there is no lab at all
#   scripts/swarm-lab.sh stop-node I   stop node I's dockerd (a node failure for tests); `up` starts it again
#
# Each node is a dockerd in its own network namespace, entered with `nsenter --net` (`ip netns exec` remounts /sys and
# dockerd then stops with "Devices cgroup isn't mounted"), and in its own UTS namespace so every node has its own
# hostname. A veth per node joins the namespaces on one Linux bridge; once the host's dockerd runs, bridged traffic
# passes the FORWARD chain whose policy is DROP, so one DOCKER-USER rule lets the bridge forward to itself.
# No registry is reachable, so the project's images (scripts/build-images.sh) are copied into every node with
# `docker save | docker load`. Every step checks first, so `up` on a whole lab changes nothing.
#
# Addresses stay clear of the host engine (172.17.0.0/16 and 10.200.0.0/16 from scripts/ensure-docker.sh); `up`
# refuses to start when the lab's ranges are already routed on the host. Overrides (all optional):
#   ZPM_SWARM_LAB_NAME     prefix of namespaces, links and node hostnames (default zpmlab, at most 8 characters)
#   ZPM_SWARM_LAB_NET      first three octets of the bridge's /24 (default 10.77.0): host .1, node I .(10+I)
#   ZPM_SWARM_LAB_BIP      first two octets of each node's docker0 (default 10.78): node I gets <BIP>.I.1/24
#   ZPM_SWARM_LAB_POOL     each node's local address pool (default base=10.79.0.0/16,size=24)
#   ZPM_SWARM_LAB_OVERLAY  the swarm's overlay address pool (default 10.90.0.0/16, /24 networks)
#   ZPM_SWARM_LAB_IMAGES   images to load into every node (default "zpm/busybox:latest zpm/busybox:unhealthy")
#   ZPM_SWARM_LAB_DEFAULT_ROUTE=1  give nodes a default route via the bridge: image pulls then wait for a DNS timeout
#                          (about 20 s per task start) instead of failing at once, as on a host whose registry hangs
#
# status prints, per node: node <TAB> I <TAB> endpoint <TAB> address <TAB> swarm-node-id <TAB> role <TAB> state
# (e.g. "node 1 unix:///run/zpmlab/n1/docker.sock 10.77.0.11 k3j... manager ready"); a missing piece shows "-".
# Every node carries the labels zpm-lab-zone=zone-I and zpm-lab-node=I for placement tests.
set -euo pipefail

usage() { echo "usage: $0 up [N] | down | status | stop-node I" >&2; }

readonly repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly lab="${ZPM_SWARM_LAB_NAME:-zpmlab}"
readonly net="${ZPM_SWARM_LAB_NET:-10.77.0}"
readonly bip_prefix="${ZPM_SWARM_LAB_BIP:-10.78}"
readonly local_pool="${ZPM_SWARM_LAB_POOL:-base=10.79.0.0/16,size=24}"
readonly overlay_pool="${ZPM_SWARM_LAB_OVERLAY:-10.90.0.0/16}"
read -r -a images <<<"${ZPM_SWARM_LAB_IMAGES:-zpm/busybox:latest zpm/busybox:unhealthy}"
readonly bridge="${lab}-br"
readonly run_dir="/run/${lab}"
readonly data_dir="/var/lib/${lab}"
readonly state_file="${run_dir}/lab.env"
readonly lock_file="/run/${lab}.lock"
readonly default_route="${ZPM_SWARM_LAB_DEFAULT_ROUTE:-0}"
readonly dockerd_wait_seconds="${ZPM_SWARM_LAB_DOCKERD_WAIT_SECONDS:-60}"
readonly join_wait_seconds="${ZPM_SWARM_LAB_JOIN_WAIT_SECONDS:-60}"

log() { echo "swarm-lab: $*" >&2; }
fail() { log "$*"; exit 1; }

if [ "${#lab}" -gt 8 ]; then fail "ZPM_SWARM_LAB_NAME '${lab}' is longer than 8 characters (link names are capped at 15)"; fi

ns_of() { echo "${lab}-n$1"; }
host_veth_of() { echo "${lab}-h$1"; }
node_veth_of() { echo "${lab}-e$1"; }
address_of() { echo "${net}.$((10 + $1))"; }
node_dir_of() { echo "${run_dir}/n$1"; }
socket_of() { echo "$(node_dir_of "$1")/docker.sock"; }
endpoint_of() { echo "unix://$(socket_of "$1")"; }
pidfile_of() { echo "$(node_dir_of "$1")/docker.pid"; }
logfile_of() { echo "$(node_dir_of "$1")/dockerd.log"; }
data_root_of() { echo "${data_dir}/n$1"; }

# Every call to a node is bounded: a dockerd that hangs must fail the script, not hang it.
node_docker() {
  local index=$1; shift
  timeout "${ZPM_SWARM_LAB_CALL_TIMEOUT:-60}" docker -H "$(endpoint_of "${index}")" "$@"
}

# --- what the lab needs on the machine -------------------------------------------------------------------------------

ensure_tools() {
  local missing=()
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
  command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v flock >/dev/null 2>&1 || missing+=(util-linux)
  command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
  command -v timeout >/dev/null 2>&1 || missing+=(coreutils)
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "missing tools (${missing[*]}); install them (Debian: apt-get install -y ${missing[*]}) and re-run"
  fi
  log "installing ${missing[*]} (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  # shellcheck disable=SC2046 # one word per package, duplicates are harmless
  apt-get install -y -q $(printf '%s\n' "${missing[@]}" | sort -u) >&2
}

ensure_host_engine_and_images() {
  # The host engine is where the images are built and saved from; ensure-docker.sh also installs dockerd, which every
  # node runs too.
  bash "${repo_root}/scripts/ensure-docker.sh"
  local image
  for image in "${images[@]}"; do
    if ! docker image inspect "${image}" >/dev/null 2>&1; then
      bash "${repo_root}/scripts/build-images.sh"
      break
    fi
  done
  for image in "${images[@]}"; do
    docker image inspect "${image}" >/dev/null 2>&1 || fail "image ${image} is missing on the host engine"
  done
}

# --- network: bridge, namespaces, veths, the forward rule ------------------------------------------------------------

# The bridge's range must belong to the lab alone: a route to it on any other link means a collision.
check_addresses_free() {
  local foreign
  foreign="$(ip -4 route show to match "${net}.0/24" | grep -v " dev ${bridge} " | grep -v '^default ' || true)"
  if [ -n "${foreign}" ]; then
    fail "${net}.0/24 is already routed on this host (${foreign}); choose another ZPM_SWARM_LAB_NET"
  fi
}

ensure_bridge() {
  if ! ip link show "${bridge}" >/dev/null 2>&1; then
    check_addresses_free
    log "creating bridge ${bridge} (${net}.1/24)"
    ip link add "${bridge}" type bridge
  fi
  if ! ip -4 addr show dev "${bridge}" | grep -q " ${net}.1/24 "; then
    ip addr add "${net}.1/24" dev "${bridge}"
  fi
  ip link set "${bridge}" up
}

forward_chain() {
  # The host's dockerd makes DOCKER-USER; without that engine's rules the FORWARD chain is the place.
  if iptables -n -L DOCKER-USER >/dev/null 2>&1; then echo DOCKER-USER; else echo FORWARD; fi
}

ensure_forward_rule() {
  local chain
  chain="$(forward_chain)"
  if ! iptables -C "${chain}" -i "${bridge}" -o "${bridge}" -j ACCEPT 2>/dev/null; then
    log "allowing ${bridge} to forward to itself (iptables ${chain})"
    iptables -I "${chain}" -i "${bridge}" -o "${bridge}" -j ACCEPT
  fi
}

ensure_namespace() {
  local index=$1 ns host_veth node_veth address
  ns="$(ns_of "${index}")"; host_veth="$(host_veth_of "${index}")"; node_veth="$(node_veth_of "${index}")"
  address="$(address_of "${index}")"
  if [ ! -e "/var/run/netns/${ns}" ]; then
    log "creating namespace ${ns}"
    ip netns add "${ns}"
  fi
  if ! ip link show "${host_veth}" >/dev/null 2>&1; then
    # A half-made pair (host end gone, namespace end left) would block the name inside the namespace.
    ip -n "${ns}" link del "${node_veth}" 2>/dev/null || true
    ip link add "${host_veth}" type veth peer name "${node_veth}"
    ip link set "${node_veth}" netns "${ns}"
  fi
  ip link set "${host_veth}" master "${bridge}" up
  if ! ip -n "${ns}" -4 addr show dev "${node_veth}" | grep -q " ${address}/24 "; then
    ip -n "${ns}" addr add "${address}/24" dev "${node_veth}"
  fi
  ip -n "${ns}" link set lo up
  ip -n "${ns}" link set "${node_veth}" up
  # Without a default route a node's pull attempt fails at once ("network is unreachable") and the task starts from
  # the loaded image; with one, the registry lookup waits for a DNS timeout first (README, Swarm: "Preparing").
  if [ "${default_route}" = 1 ]; then
    ip -n "${ns}" route replace default via "${net}.1" dev "${node_veth}"
  else
    ip -n "${ns}" route del default 2>/dev/null || true
  fi
}

# --- dockerds --------------------------------------------------------------------------------------------------------

dockerd_pid() {
  local pidfile
  pidfile="$(pidfile_of "$1")"
  [ -s "${pidfile}" ] || return 1
  local pid
  pid="$(cat "${pidfile}")"
  kill -0 "${pid}" 2>/dev/null || return 1
  # A recycled pid must not count as our dockerd.
  tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -q -- "--pidfile $(pidfile_of "$1")" || return 1
  echo "${pid}"
}

node_answers() { node_docker "$1" info >/dev/null 2>&1; }

ensure_dockerd() {
  local index=$1 ns node_dir
  ns="$(ns_of "${index}")"; node_dir="$(node_dir_of "${index}")"
  if dockerd_pid "${index}" >/dev/null && node_answers "${index}"; then return 0; fi
  if ! dockerd_pid "${index}" >/dev/null; then
    mkdir -p "${node_dir}" "$(data_root_of "${index}")"
    rm -f "$(pidfile_of "${index}")" "$(socket_of "${index}")"
    log "starting dockerd of node ${index} in ${ns} (log: $(logfile_of "${index}"))"
    # 9>&- below: the dockerd must not inherit the lab's lock, or it would hold it for as long as it runs.
    # unshare --uts gives the node its own hostname (Swarm shows it); --net enters the node's network namespace.
    # setsid: the dockerd outlives whoever ran `up`, and a signal to that caller's process group does not reach it.
    setsid nohup nsenter --net="/var/run/netns/${ns}" unshare --uts sh -c '
        hostname "$1"; shift; exec "$@"' sh "${ns}" \
      dockerd \
        --data-root "$(data_root_of "${index}")" \
        --exec-root "${node_dir}/exec" \
        --pidfile "$(pidfile_of "${index}")" \
        -H "$(endpoint_of "${index}")" \
        --bip "${bip_prefix}.${index}.1/24" \
        --default-address-pool "${local_pool}" \
        >>"$(logfile_of "${index}")" 2>&1 </dev/null 9>&- &
  fi
  local deadline=$((SECONDS + dockerd_wait_seconds))
  until node_answers "${index}"; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      log "dockerd of node ${index} did not answer within ${dockerd_wait_seconds}s; last lines of its log:"
      tail -n 30 "$(logfile_of "${index}")" >&2 || true
      exit 1
    fi
    sleep 1
  done
}

# --- swarm -----------------------------------------------------------------------------------------------------------

swarm_state() { node_docker "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unreachable; }
swarm_node_id() { node_docker "$1" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true; }
swarm_cluster_id() { node_docker "$1" info --format '{{if .Swarm.Cluster}}{{.Swarm.Cluster.ID}}{{end}}' 2>/dev/null || true; }

ensure_manager() {
  local state
  state="$(swarm_state 1)"
  case "${state}" in
    active) return 0 ;;
    inactive) ;;
    *) log "node 1 is in swarm state '${state}'; leaving to start over"; node_docker 1 swarm leave --force >/dev/null 2>&1 || true ;;
  esac
  log "swarm init on node 1 ($(address_of 1))"
  node_docker 1 swarm init --advertise-addr "$(address_of 1)" --listen-addr "$(address_of 1):2377" \
    --default-addr-pool "${overlay_pool}" --default-addr-pool-mask-length 24 >/dev/null
}

ensure_worker() {
  local index=$1 state cluster manager_cluster
  manager_cluster="$(swarm_cluster_id 1)"
  state="$(swarm_state "${index}")"
  if [ "${state}" = active ]; then
    # A worker reports no cluster ID; its manager address tells which swarm it is in.
    if node_docker "${index}" info --format '{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}' 2>/dev/null |
      grep -q "$(address_of 1):2377"; then
      return 0
    fi
    cluster="other"
  fi
  if [ "${state}" != inactive ]; then
    log "node ${index} is in swarm state '${state}'${cluster:+ (another swarm)}; leaving to join again"
    node_docker "${index}" swarm leave --force >/dev/null 2>&1 || true
  fi
  local token
  token="$(node_docker 1 swarm join-token -q worker)"
  log "node ${index} joins the swarm of node 1 (cluster ${manager_cluster:0:12})"
  node_docker "${index}" swarm join --token "${token}" --advertise-addr "$(address_of "${index}")" \
    --listen-addr "$(address_of "${index}"):2377" "$(address_of 1):2377" >/dev/null
}

# Drops nodes the manager remembers but no dockerd of this lab answers for (e.g. from an earlier, larger lab).
forget_stale_nodes() {
  local keep=" " index id
  for index in $(seq 1 "$1"); do keep+="$(swarm_node_id "${index}") "; done
  for id in $(node_docker 1 node ls -q); do
    case "${keep}" in *" ${id} "*) ;; *)
      log "removing node ${id} from the swarm: no node of this lab has that id"
      node_docker 1 node rm --force "${id}" >/dev/null || true ;;
    esac
  done
}

wait_nodes_ready() {
  local count=$1 deadline=$((SECONDS + join_wait_seconds)) ready
  while :; do
    ready="$(node_docker 1 node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$' || true)"
    if [ "${ready}" -ge "${count}" ]; then return 0; fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      node_docker 1 node ls >&2 || true
      fail "only ${ready} of ${count} nodes are Ready and Active after ${join_wait_seconds}s"
    fi
    sleep 1
  done
}

ensure_labels() {
  local index=$1 id
  id="$(swarm_node_id "${index}")"
  local labels
  labels="$(node_docker 1 node inspect --format '{{index .Spec.Labels "zpm-lab-zone"}} {{index .Spec.Labels "zpm-lab-node"}}' "${id}")"
  if [ "${labels}" != "zone-${index} ${index}" ]; then
    node_docker 1 node update --label-add "zpm-lab-zone=zone-${index}" --label-add "zpm-lab-node=${index}" "${id}" >/dev/null
  fi
}

# A test that drained a node and failed before restoring it must not leave the next run one node short.
ensure_active() {
  local id
  id="$(swarm_node_id "$1")"
  if [ "$(node_docker 1 node inspect --format '{{.Spec.Availability}}' "${id}")" != active ]; then
    log "node $1 was $(node_docker 1 node inspect --format '{{.Spec.Availability}}' "${id}"); making it active"
    node_docker 1 node update --availability active "${id}" >/dev/null
  fi
}

ensure_images() {
  local index=$1 image want have
  for image in "${images[@]}"; do
    want="$(docker image inspect --format '{{.Id}}' "${image}")"
    have="$(node_docker "${index}" image inspect --format '{{.Id}}' "${image}" 2>/dev/null || true)"
    if [ "${want}" != "${have}" ]; then
      log "loading ${image} into node ${index}"
      docker save "${image}" | node_docker "${index}" load >/dev/null
    fi
  done
}

# --- commands --------------------------------------------------------------------------------------------------------

require_root() { [ "$(id -u)" -eq 0 ] || fail "the lab needs root (network namespaces, a bridge, iptables, dockerds)"; }

lab_size() {
  if [ -s "${state_file}" ]; then sed -n 's/^NODES=//p' "${state_file}"; return; fi
  # Without a state file (e.g. it was lost), count what exists.
  local count=0
  while [ -e "/var/run/netns/$(ns_of $((count + 1)))" ] || [ -d "$(node_dir_of $((count + 1)))" ] ||
    [ -d "$(data_root_of $((count + 1)))" ]; do
    count=$((count + 1))
  done
  echo "${count}"
}

cmd_up() {
  local count=${1:-${N:-3}}
  [[ "${count}" =~ ^[0-9]+$ ]] && [ "${count}" -ge 1 ] && [ "${count}" -le 9 ] || fail "N must be 1..9, got '${count}'"
  require_root
  ensure_tools
  ensure_host_engine_and_images
  local previous
  previous="$(lab_size)"
  if [ "${previous:-0}" -gt "${count}" ]; then
    fail "a lab of ${previous} nodes exists; run '$0 down' before making one of ${count}"
  fi
  mkdir -p "${run_dir}" "${data_dir}"
  # Recorded before anything else is made, so `down` finds a half-made lab.
  printf 'NODES=%s\nCHAIN=%s\n' "${count}" "$(forward_chain)" >"${state_file}"
  ensure_bridge
  ensure_forward_rule
  local index
  for index in $(seq 1 "${count}"); do
    ensure_namespace "${index}"
    ensure_dockerd "${index}"
  done
  ensure_manager
  for index in $(seq 2 "${count}"); do ensure_worker "${index}"; done
  forget_stale_nodes "${count}"
  wait_nodes_ready "${count}"
  for index in $(seq 1 "${count}"); do
    ensure_labels "${index}"
    ensure_active "${index}"
    ensure_images "${index}"
  done
  log "up: ${count} nodes, manager $(endpoint_of 1)"
  cmd_status
}

cmd_status() {
  local count index whole=0 id role state
  count="$(lab_size)"
  if [ "${count:-0}" -eq 0 ]; then log "no lab"; return 3; fi
  for index in $(seq 1 "${count}"); do
    id="-"; role="-"; state="down"
    if dockerd_pid "${index}" >/dev/null && node_answers "${index}"; then
      id="$(swarm_node_id "${index}")"; id="${id:--}"
      state="$(swarm_state "${index}")"
      if [ "${state}" = active ] && [ "${id}" != "-" ] && node_answers 1; then
        role="$(node_docker 1 node inspect --format '{{.Spec.Role}}' "${id}" 2>/dev/null || echo -)"
        state="$(node_docker 1 node inspect --format '{{.Status.State}}' "${id}" 2>/dev/null || echo "${state}")"
      fi
    fi
    [ "${state}" = ready ] || whole=1
    printf 'node\t%s\t%s\t%s\t%s\t%s\t%s\n' "${index}" "$(endpoint_of "${index}")" "$(address_of "${index}")" \
      "${id}" "${role}" "${state}"
  done
  return "${whole}"
}

stop_dockerd() {
  local index=$1 pid
  pid="$(dockerd_pid "${index}")" || return 0
  log "stopping dockerd of node ${index} (pid ${pid})"
  kill -TERM "${pid}" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "${pid}" 2>/dev/null; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      log "dockerd ${pid} did not stop in 30s; killing it"
      kill -KILL "${pid}" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
}

# containerd and its shims outlive a killed dockerd; they are ours when their command line names the node's exec-root.
kill_leftover_processes() {
  local index=$1 pattern pid
  pattern="$(node_dir_of "${index}")/exec"
  for pid in $(grep -l -s -F -- "${pattern}" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "${pid}" = "$$" ] && continue
    kill -KILL "${pid}" 2>/dev/null || true
  done
}

unmount_under() {
  local dir=$1 mount_point
  [ -e "${dir}" ] || return 0
  # Deepest first; /proc/self/mounts escapes spaces as \040, which our paths never contain.
  for mount_point in $(awk -v d="${dir}" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount -l "${mount_point}" 2>/dev/null || true
  done
}

cmd_down() {
  require_root
  local count index chain
  count="$(lab_size)"
  chain="$(sed -n 's/^CHAIN=//p' "${state_file}" 2>/dev/null || true)"
  if [ "${count:-0}" -gt 0 ] && dockerd_pid 1 >/dev/null && node_answers 1; then
    local services
    services="$(node_docker 1 service ls -q 2>/dev/null || true)"
    if [ -n "${services}" ]; then
      log "removing $(echo "${services}" | wc -l) services"
      # shellcheck disable=SC2086 # one id per word
      node_docker 1 service rm ${services} >/dev/null 2>&1 || true
    fi
  fi
  for index in $(seq "${count:-0}" -1 1); do
    if dockerd_pid "${index}" >/dev/null && node_answers "${index}"; then
      node_docker "${index}" swarm leave --force >/dev/null 2>&1 || true
    fi
    stop_dockerd "${index}"
    kill_leftover_processes "${index}"
    ip link del "$(host_veth_of "${index}")" 2>/dev/null || true
    if [ -e "/var/run/netns/$(ns_of "${index}")" ]; then ip netns del "$(ns_of "${index}")" || true; fi
    unmount_under "$(node_dir_of "${index}")"
    unmount_under "$(data_root_of "${index}")"
  done
  if ip link show "${bridge}" >/dev/null 2>&1; then ip link del "${bridge}"; fi
  for chain in ${chain:-} DOCKER-USER FORWARD; do
    while iptables -C "${chain}" -i "${bridge}" -o "${bridge}" -j ACCEPT 2>/dev/null; do
      iptables -D "${chain}" -i "${bridge}" -o "${bridge}" -j ACCEPT
    done
  done
  unmount_under "${run_dir}"
  unmount_under "${data_dir}"
  rm -rf "${run_dir}" "${data_dir}"
  log "down: nothing of lab '${lab}' is left"
}

cmd_stop_node() {
  local index=${1:-}
  [[ "${index}" =~ ^[0-9]+$ ]] && [ "${index}" -ge 1 ] || fail "stop-node needs a node number"
  require_root
  stop_dockerd "${index}"
}

command=${1:-}
[ -n "${command}" ] || { usage; exit 2; }
shift
case "${command}" in
  up|down|stop-node)
    mkdir -p "$(dirname "${lock_file}")"
    # One lab, one writer: two test assemblies may ask for the lab at the same time.
    exec 9>"${lock_file}"
    flock 9
    ;;
esac
case "${command}" in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  stop-node) cmd_stop_node "$@" ;;
  -h|--help) usage ;;
  *) usage; exit 2 ;;
esac
