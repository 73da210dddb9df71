#!/usr/bin/env bash
# Installs what this project needs on the machine, where it can; used by .ci/run and
# `npm run quickstart` (one list, here).
#
#   git         workspace snapshots, worktrees, fixtures
#   ripgrep     OpenCode's grep and glob tools (without it they try to download rg)
#   bubblewrap  the sandbox (`doctor` checks it)
#   tmux        the TUI tests
#   pkg-config, libtree-sitter-dev, librust-*-dev
#               the native addon's offline build (Debian's crate sources, see scripts/build-native.sh)
#   rustc-web, cargo-web, rustfmt-web, rust-web-clippy
#               only where no cargo exists (rustup's is used when present): Debian 12's own
#               rustc/cargo are 1.63, too old for the crate
#
# As root with apt-get: installs what is missing. Otherwise: prints exactly what to install and
# exits 1 (the quickstart then runs the demo without the native addon and says so).
# Exit 0: everything is present.
set -uo pipefail

export PATH="$HOME/.cargo/bin:$PATH"

tools_packages=(git ripgrep bubblewrap tmux)
addon_packages=(pkg-config libtree-sitter-dev librust-tree-sitter-dev librust-serde-json-dev librust-serde-dev
  librust-serde-derive-dev librust-cc-dev librust-ignore-dev)
rust_packages=(rustc-web cargo-web rustfmt-web rust-web-clippy)

say() { echo "setup-machine: $*"; }

if ! command -v dpkg >/dev/null 2>&1; then
  # Not Debian: check the commands, name what to install.
  absent=()
  for c in git rg tmux cargo; do command -v "$c" >/dev/null 2>&1 || absent+=("$c"); done
  [ "$(uname -s)" = Linux ] && { command -v bwrap >/dev/null 2>&1 || absent+=(bwrap); }
  if [ ${#absent[@]} -eq 0 ]; then
    say "git, ripgrep, tmux, cargo$([ "$(uname -s)" = Linux ] && echo ", bubblewrap") are present (not Debian: the addon builds with crates.io, OPENCODE_NATIVE_ONLINE=1)"
    exit 0
  fi
  say "missing: ${absent[*]}"
  say "install them with your system's package manager (macOS: brew install git ripgrep tmux; Rust: https://rustup.rs);"
  say "the native addon then builds with: OPENCODE_NATIVE_ONLINE=1 npm run build:native"
  exit 1
fi

missing=()
for p in "${tools_packages[@]}" "${addon_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ! command -v cargo >/dev/null 2>&1; then
  missing+=("${rust_packages[@]}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  say "everything is installed ($(cargo --version 2>/dev/null))"
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log="${TMPDIR:-/tmp}/setup-machine-apt.log"
  say "installing with apt-get: ${missing[*]} (output in $log)"
  export DEBIAN_FRONTEND=noninteractive
  start=$(date +%s)
  if { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    hash -r
    say "installed in $(( $(date +%s) - start )) s; $(cargo --version 2>/dev/null || echo 'cargo still missing')"
    exit 0
  fi
  tail -20 "$log" >&2
  say "apt-get failed (above, full output in $log); install by hand: apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi

say "missing Debian packages: ${missing[*]}"
say "install them as root (this script does it when run as root):"
echo
echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
echo
say "(rustc-web/cargo-web are only needed where no cargo exists: a rustup toolchain in ~/.cargo/bin does too)"
exit 1
