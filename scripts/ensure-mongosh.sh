#!/usr/bin/env bash
# Installs the exact mongosh the tests drive (2.12.0) into a per-user cache, once.
# --ignore-scripts: mongosh's optional native add-ons (kerberos, keytar...) would try to download
# prebuilt binaries at install time, which fails offline; the shell itself runs without them.
# Prints the path of the mongosh executable on stdout; everything else goes to stderr.
set -euo pipefail

readonly wanted_version="2.12.0"
readonly tools_dir="${ZPM_TOOLS_DIR:-$HOME/.cache/zpm-tools}"
readonly install_dir="$tools_dir/mongosh"
readonly mongosh_bin="$install_dir/node_modules/.bin/mongosh"

installed_version() {
  [[ -x "$mongosh_bin" ]] || return 1
  "$mongosh_bin" --version 2>/dev/null | tr -d '[:space:]'
}

if [[ "$(installed_version || true)" != "$wanted_version" ]]; then
  command -v npm >/dev/null 2>&1 || { echo "ensure-mongosh: npm is required (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$install_dir"
  echo "ensure-mongosh: installing mongosh@$wanted_version into $install_dir" >&2
  npm install --prefix "$install_dir" --ignore-scripts --no-audit --no-fund "mongosh@$wanted_version" >&2
  actual="$(installed_version || true)"
  if [[ "$actual" != "$wanted_version" ]]; then
    echo "ensure-mongosh: expected mongosh $wanted_version at $mongosh_bin, got '${actual:-nothing}'" >&2
    exit 1
  fi
fi

echo "$mongosh_bin"
