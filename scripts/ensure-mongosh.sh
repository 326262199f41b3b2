#!/usr/bin/env bash
# Installs the exact mongosh the tests drive (2.12.0) into a per-user cache, once. Its optional native add-ons
# (kerberos, keytar...) are not built (lib/npm-tool.sh); the shell itself runs without them.
# Prints the path of the mongosh executable on stdout; everything else goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/npm-tool.sh"

readonly wanted_version="2.12.0"
readonly tools_dir="${ZPM_TOOLS_DIR:-$HOME/.cache/zpm-tools}"
readonly install_dir="$tools_dir/mongosh"
readonly mongosh_bin="$install_dir/node_modules/.bin/mongosh"

installed_version() {
  [[ -x "$mongosh_bin" ]] || return 1
  "$mongosh_bin" --version 2>/dev/null | tr -d '[:space:]'
}

ensure_npm_package ensure-mongosh mongosh "$wanted_version" "$install_dir" installed_version

echo "$mongosh_bin"
