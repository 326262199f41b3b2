#!/usr/bin/env bash
# Operator probes reach every replica from the host, so the host keeps one neighbour (ARP) entry per replica address.
# Linux's defaults (gc_thresh1/2/3 = 128/512/1024) keep about 512: past that, probes to the other replicas go
# unanswered and their services turn Degraded. Raises the thresholds to at least MIN3/2 and MIN3 (default 16384), as
# Kubernetes nodes running many pods do; never lowers them. Needs root; says so and fails otherwise.
set -euo pipefail
min3=${1:-16384}
min2=$((min3 / 2))
min1=$((min3 / 4))
base=/proc/sys/net/ipv4/neigh/default
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-neighbour-table: needs root to raise $base/gc_thresh* (now $(cat $base/gc_thresh1)/$(cat $base/gc_thresh2)/$(cat $base/gc_thresh3))" >&2
  exit 1
fi
for pair in "gc_thresh3 $min3" "gc_thresh2 $min2" "gc_thresh1 $min1"; do
  set -- $pair
  if [ "$(cat "$base/$1")" -lt "$2" ]; then
    echo "$2" > "$base/$1"
  fi
done
echo "ensure-neighbour-table: net.ipv4.neigh.default.gc_thresh1/2/3 = $(cat $base/gc_thresh1)/$(cat $base/gc_thresh2)/$(cat $base/gc_thresh3)"
