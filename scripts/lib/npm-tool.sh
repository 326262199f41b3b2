# Sourced by the ensure-*.sh scripts that install one pinned npm package into a per-user cache.
# --ignore-scripts: install scripts of these packages would download binaries (native add-ons, browsers) at install
# time, which fails offline; what the tests use runs without them.

# ensure_npm_package LOG_NAME PACKAGE VERSION INSTALL_DIR VERSION_FUNCTION
# Installs PACKAGE@VERSION into INSTALL_DIR unless VERSION_FUNCTION (a shell function printing the installed version)
# already prints VERSION; fails when it does not afterwards. Progress goes to stderr.
ensure_npm_package() {
  local log_name="$1" package="$2" wanted="$3" target_dir="$4" version_of="$5" actual
  if [[ "$("$version_of" || true)" == "$wanted" ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || { echo "$log_name: npm is required (apt-get install npm)" >&2; return 1; }
  mkdir -p "$target_dir"
  echo "$log_name: installing $package@$wanted into $target_dir" >&2
  npm install --prefix "$target_dir" --ignore-scripts --no-audit --no-fund "$package@$wanted" >&2
  actual="$("$version_of" || true)"
  if [[ "$actual" != "$wanted" ]]; then
    echo "$log_name: expected $package $wanted in $target_dir, got '${actual:-nothing}'" >&2
    return 1
  fi
}
