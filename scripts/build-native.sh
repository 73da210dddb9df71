#!/usr/bin/env bash
# Builds the native analysis addon (crates/analysis) into
# native/analysis.<platform>.node, offline when possible.
#
#   scripts/build-native.sh               release build + copy of the .node file
#   scripts/build-native.sh check         cargo fmt --check, clippy (warnings, undocumented
#                                         unsafe blocks, unsafe ops in unsafe fns: errors), cargo test
#   scripts/build-native.sh cargo ARGS..  any cargo command with the same set-up
#
# Offline set-up (applied here, never written into the crate): when Debian's
# directory registry exists (/usr/share/cargo/registry, filled by the
# librust-*-dev packages) and OPENCODE_NATIVE_ONLINE is unset, cargo gets a
# source replacement of crates.io by that directory, via `--config`. When the
# Debian tree-sitter crate is used, its build script asks pkg-config for the
# C runtime; pkg-config-rs only links statically from a directory outside the
# system prefix, so libtree-sitter.a is exposed from target/ with its own .pc
# file and the addon carries the runtime instead of needing libtree-sitter.so.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crate="$repo/crates/analysis"
target="${CARGO_TARGET_DIR:-$crate/target}"
registry="${OPENCODE_CARGO_REGISTRY:-/usr/share/cargo/registry}"

die() { echo "build-native: $*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (rustup, or Debian's cargo)"
[ -f "$repo/node_modules/tree-sitter-typescript/typescript/src/parser.c" ] || [ -n "${OPENCODE_GRAMMARS_DIR:-}" ] \
  || die "grammar sources missing: run 'npm install' first (tree-sitter-* are devDependencies)"

cargo_args=(--manifest-path "$crate/Cargo.toml")
export CARGO_TARGET_DIR="$target"
mkdir -p "$target"

apt_packages="librust-tree-sitter-dev librust-serde-json-dev librust-serde-dev librust-serde-derive-dev librust-cc-dev librust-ignore-dev pkg-config"
if [ -z "${OPENCODE_NATIVE_ONLINE:-}" ] && [ ! -d "$registry/tree-sitter-0.20.9" ]; then
  die "Debian's crate sources are missing from $registry: apt-get update && apt-get install -y $apt_packages (or set OPENCODE_NATIVE_ONLINE=1 where crates.io is reachable)"
fi

if [ -z "${OPENCODE_NATIVE_ONLINE:-}" ]; then
  config="$target/offline-cargo.toml"
  cat > "$config" <<TOML
[source.crates-io]
replace-with = "debian-registry"

[source.debian-registry]
directory = "$registry"

[net]
offline = true
TOML
  cargo_args+=(--config "$config")

  static_lib=""
  for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
    [ -f "$dir/libtree-sitter.a" ] && { static_lib="$dir/libtree-sitter.a"; break; }
  done
  [ -n "$static_lib" ] || die "libtree-sitter.a not found: apt-get install libtree-sitter-dev"
  pc_dir="$target/tree-sitter-static"
  mkdir -p "$pc_dir/lib"
  cp -f "$static_lib" "$pc_dir/lib/libtree-sitter.a"
  cat > "$pc_dir/tree-sitter.pc" <<PC
prefix=$pc_dir
libdir=\${prefix}/lib
includedir=/usr/include

Name: tree-sitter
Description: tree-sitter C runtime (static copy for the addon)
Version: 0.20.7
Libs: -L\${libdir} -ltree-sitter
Cflags: -I\${includedir}
PC
  export PKG_CONFIG_PATH="$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
fi

platform() {
  local os arch libc=""
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) os="$(uname -s | tr '[:upper:]' '[:lower:]')" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch="$(uname -m)" ;;
  esac
  if [ "$os" = linux ]; then
    if ldd --version 2>&1 | grep -qi musl; then libc=-musl; else libc=-gnu; fi
  fi
  echo "$os-$arch$libc"
}

case "${1:-build}" in
  build)
    start=$(date +%s)
    cargo build --release "${cargo_args[@]}"
    case "$(uname -s)" in Darwin) lib=libopencode_analysis.dylib ;; *) lib=libopencode_analysis.so ;; esac
    out="$repo/native/analysis.$(platform).node"
    mkdir -p "$repo/native"
    cp -f "$target/release/$lib" "$out.tmp"
    mv -f "$out.tmp" "$out"
    if command -v readelf >/dev/null && readelf -d "$out" | grep -q 'libtree-sitter'; then
      echo "build-native: warning: $out links libtree-sitter.so dynamically" >&2
    fi
    echo "build-native: wrote $out ($(( $(date +%s) - start ))s)"
    ;;
  check)
    cargo fmt --manifest-path "$crate/Cargo.toml" --check
    cargo clippy "${cargo_args[@]}" --all-targets -- -D warnings -D clippy::undocumented_unsafe_blocks -D unsafe_op_in_unsafe_fn
    cargo test "${cargo_args[@]}" --all-targets
    ;;
  cargo)
    shift
    sub="${1:?usage: build-native.sh cargo SUBCOMMAND [ARGS..]}"
    shift
    cargo "$sub" "${cargo_args[@]}" "$@"
    ;;
  *)
    die "unknown command ${1}: use build, check or cargo"
    ;;
esac
