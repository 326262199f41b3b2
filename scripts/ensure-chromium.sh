#!/usr/bin/env bash
# Installs what the dashboard's browser tests drive: Debian's chromium (apt) and playwright-core (npm) into a per-user
# cache, once. --ignore-scripts: playwright-core would otherwise try to download browsers of its own; the tests point it
# at /usr/bin/chromium instead, so nothing is fetched from outside the distribution and the npm registry.
# Prints the directory holding node_modules/playwright-core on stdout; everything else goes to stderr.
set -euo pipefail

readonly wanted_version="1.65.1"
readonly chromium_bin="/usr/bin/chromium"
readonly tools_dir="${ZPM_TOOLS_DIR:-$HOME/.cache/zpm-tools}"
readonly install_dir="$tools_dir/playwright"
readonly package_json="$install_dir/node_modules/playwright-core/package.json"

if [[ ! -x "$chromium_bin" ]]; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends chromium >&2
  else
    echo "ensure-chromium: $chromium_bin is missing; install Debian's chromium (sudo apt-get install chromium)" >&2
    exit 1
  fi
fi
"$chromium_bin" --version >&2

installed_version() {
  [[ -f "$package_json" ]] || return 1
  node -p "require('$package_json').version" 2>/dev/null
}

if [[ "$(installed_version || true)" != "$wanted_version" ]]; then
  command -v npm >/dev/null 2>&1 || { echo "ensure-chromium: npm is required (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$install_dir"
  echo "ensure-chromium: installing playwright-core@$wanted_version into $install_dir" >&2
  npm install --prefix "$install_dir" --ignore-scripts --no-audit --no-fund "playwright-core@$wanted_version" >&2
  actual="$(installed_version || true)"
  if [[ "$actual" != "$wanted_version" ]]; then
    echo "ensure-chromium: expected playwright-core $wanted_version in $install_dir, got '${actual:-nothing}'" >&2
    exit 1
  fi
fi

echo "$install_dir"
