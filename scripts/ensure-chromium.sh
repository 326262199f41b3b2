#!/usr/bin/env bash
# Installs what the dashboard's browser tests drive: Debian's chromium (apt) and playwright-core (npm) into a per-user
# cache, once. playwright-core's install script, which would download browsers of its own, does not run (lib/npm-tool.sh);
# the tests point it at /usr/bin/chromium instead, so nothing is fetched from outside the distribution and the npm registry.
# Prints the directory holding node_modules/playwright-core on stdout; everything else goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/npm-tool.sh"

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

ensure_npm_package ensure-chromium playwright-core "$wanted_version" "$install_dir" installed_version

echo "$install_dir"
