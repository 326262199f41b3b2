#!/usr/bin/env bash
# Measures how long a new Swarm task sits in "Preparing" on a lab node that has the image loaded but reaches no
# registry, and what the service create call itself costs, for the four combinations of
#   registry lookup: fails at once (the lab's nodes have no default route: "network is unreachable")
#                    | waits for a DNS timeout (a default route to a host that drops the lookup, as behind a firewall)
#   image digest:    resolved by the client before the create (docker's default)
#                    | not resolved (`--no-resolve-image`, what zpm does)
# ROUNDS= (default 3) services per combination, one at a time, one replica each on node 2 (a worker). Runs on the lab
# of scripts/swarm-lab.sh (brought up when missing); prints one line per round and the median per combination.
# Everything it creates is labelled zpm.test-run=preparing-<pid> and removed at the end; the default route it adds
# for the second kind of node is removed again, also when interrupted.
set -euo pipefail

readonly repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly lab="${ZPM_SWARM_LAB_NAME:-zpmlab}"
readonly net="${ZPM_SWARM_LAB_NET:-10.77.0}"
readonly rounds="${ROUNDS:-3}"
readonly image="${IMAGE:-zpm/busybox:latest}"
readonly run="preparing-$$"
readonly manager="unix:///run/${lab}/n1/docker.sock"

log() { echo "swarm-lab-preparing: $*" >&2; }

bash "${repo_root}/scripts/swarm-lab.sh" up >/dev/null
count="$(bash "${repo_root}/scripts/swarm-lab.sh" status | grep -c '^node')"

d() { timeout 120 docker -H "${manager}" "$@"; }

set_default_route() {
  local index
  for index in $(seq 1 "${count}"); do
    if [ "$1" = on ]; then
      ip -n "${lab}-n${index}" route replace default via "${net}.1" dev "${lab}-e${index}"
    else
      ip -n "${lab}-n${index}" route del default 2>/dev/null || true
    fi
  done
}

cleanup() {
  set_default_route off
  local services
  services="$(d service ls -q --filter "label=zpm.test-run=${run}" 2>/dev/null || true)"
  # shellcheck disable=SC2086 # one id per word
  if [ -n "${services}" ]; then d service rm ${services} >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

now() { date +%s.%N; }

# Prints "<create seconds> <preparing seconds> <create-to-running seconds>" for one service.
measure_one() {
  local resolve_flag=$1 name="${run}-$2" started created first_preparing="" left_preparing="" state
  started="$(now)"
  # shellcheck disable=SC2086 # the flag is one word or none
  d service create -d --quiet --name "${name}" --label "zpm.test-run=${run}" --replicas 1 \
    --constraint node.labels.zpm-lab-node==2 ${resolve_flag} "${image}" >/dev/null 2>&1
  created="$(now)"
  local deadline=$((SECONDS + 120))
  while [ "${SECONDS}" -lt "${deadline}" ]; do
    state="$(d service ps --format '{{.CurrentState}}' "${name}" 2>/dev/null | head -n 1 | cut -d' ' -f1)"
    case "${state}" in
      Preparing) [ -n "${first_preparing}" ] || first_preparing="$(now)" ;;
      Starting|Running)
        left_preparing="$(now)"
        [ -n "${first_preparing}" ] || first_preparing="${left_preparing}"
        [ "${state}" = Running ] && break ;;
    esac
    sleep 0.1
  done
  local running
  running="$(now)"
  d service rm "${name}" >/dev/null
  [ "${state}" = Running ] || { echo "timeout timeout timeout"; return; }
  awk -v s="${started}" -v c="${created}" -v p="${first_preparing}" -v l="${left_preparing}" -v r="${running}" \
    'BEGIN { printf "%.2f %.2f %.2f\n", c - s, l - p, r - s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "lookup    digest       round  create_s  preparing_s  create_to_running_s"
for route in off on; do
  set_default_route "${route}"
  lookup=$([ "${route}" = on ] && echo dns-wait || echo fails-now)
  for resolve in resolve no-resolve; do
    flag=$([ "${resolve}" = no-resolve ] && echo --no-resolve-image || echo)
    results=()
    for round in $(seq 1 "${rounds}"); do
      line="$(measure_one "${flag}" "${route}-${resolve}-${round}")"
      results+=("${line}")
      printf '%-9s %-12s %-6s %s\n' "${lookup}" "${resolve}" "${round}" "${line}"
    done
    printf '%-9s %-12s median %s %s %s\n' "${lookup}" "${resolve}" \
      "$(printf '%s\n' "${results[@]}" | cut -d' ' -f1 | median)" \
      "$(printf '%s\n' "${results[@]}" | cut -d' ' -f2 | median)" \
      "$(printf '%s\n' "${results[@]}" | cut -d' ' -f3 | median)"
  done
done
