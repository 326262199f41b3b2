#!/usr/bin/env bash
# Measures what one container list costs the Docker Engine as the number of containers grows: the curve the simulated
# runtime of `bench sim` charges for a list. At each count it creates running busybox containers (labelled with this
# run's id) up to that count, then times LISTS lists of them through the Engine API (all=1 and a label filter, the
# request the operator's Docker adapter sends) and prints count, median and p90 in milliseconds.
# Runs of more than 200 containers hold the machine-wide lock: flock /tmp/zpm-bigbench.lock scripts/measure-docker-list.sh
# Usage: scripts/measure-docker-list.sh [COUNTS...]   (default 0 100 300 1000); removes every container it made on exit.
set -euo pipefail
counts=("${@:-0 100 300 1000}")
read -r -a counts <<<"${counts[*]}"
socket=${DOCKER_SOCKET:-/var/run/docker.sock}
lists=${LISTS:-30}
parallel=${PARALLEL:-4}
run="zpm-sim-curve-$(date +%s)-$$"
label="zpm.bench.list-curve=$run"
cleanup() {
  ids=$(docker ps -aq --filter "label=$label")
  if [ -n "$ids" ]; then
    echo "$ids" | xargs -r -n 50 docker rm -f >/dev/null
  fi
  echo "removed the containers of $run" >&2
}
trap cleanup EXIT
filters=$(jq -rn --arg l "$label" '{label: [$l]} | @uri')
created=0
echo "# engine containers before: $(docker ps -aq | wc -l); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "count median_ms p90_ms"
for count in "${counts[@]}"; do
  if [ "$count" -gt "$created" ]; then
    seq "$created" $((count - 1)) | xargs -P "$parallel" -I{} \
      docker run -d --label "$label" --name "$run-{}" --entrypoint /bin/sleep zpm/busybox:latest 86400 >/dev/null
    created=$count
  fi
  times=()
  for _ in $(seq "$lists"); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$socket" "http://localhost/containers/json?all=1&filters=$filters")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v c="$count" '{ t[NR] = $1 * 1000 } END { printf "%d %.1f %.1f\n", c, t[int((NR + 1) / 2)], t[int(NR * 0.9)] }'
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
