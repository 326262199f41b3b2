#!/usr/bin/env bash
# Makes sure python3 can import prometheus_client, whose exposition-format parser
# (prometheus_client.parser.text_string_to_metric_families) the metrics tests hand /metrics to: the scrape is checked by
# the Prometheus project's own client library, not by a parser of ours. On Debian/Ubuntu as root it installs
# python3-prometheus-client; otherwise it says what to do.
set -euo pipefail

# Debian's package goes to the system interpreter; a python3 earlier on PATH (pyenv, a venv) would not see it, so the
# tests ask /usr/bin/python3 first too.
can_parse() {
  for python in /usr/bin/python3 python3; do
    if command -v "$python" >/dev/null 2>&1 && "$python" -c 'import prometheus_client.parser' >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

if can_parse; then
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus-parser: installing python3-prometheus-client" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq python3-prometheus-client >&2 || { apt-get update -qq >&2 && apt-get install -y -qq python3-prometheus-client >&2; }
fi

if ! can_parse; then
  echo "ensure-prometheus-parser: python3 cannot import prometheus_client; install python3-prometheus-client (apt) or prometheus-client (pip)" >&2
  exit 1
fi
