//! Compiles the tree-sitter grammars' generated C parsers into the crate.
//!
//! The grammars come from npm (`tree-sitter-typescript`, `-javascript`,
//! `-python`, `-go`, `-rust`, `-json`), which ship `src/parser.c` and an
//! optional `src/scanner.c`. They are looked up in `OPENCODE_GRAMMARS_DIR`, or
//! in the repository's `node_modules` two levels above this crate.

use std::env;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// (link name, package directory relative to the grammars dir)
const GRAMMARS: &[(&str, &str)] = &[
    ("typescript", "tree-sitter-typescript/typescript"),
    ("tsx", "tree-sitter-typescript/tsx"),
    ("javascript", "tree-sitter-javascript"),
    ("python", "tree-sitter-python"),
    ("go", "tree-sitter-go"),
    ("rust", "tree-sitter-rust"),
    ("json", "tree-sitter-json"),
];

fn grammars_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=OPENCODE_GRAMMARS_DIR");
    if let Some(dir) = env::var_os("OPENCODE_GRAMMARS_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../node_modules");
    dir.canonicalize().unwrap_or(dir)
}

fn compile(name: &str, src: &Path) {
    let parser = src.join("parser.c");
    let scanner = src.join("scanner.c");
    println!("cargo:rerun-if-changed={}", parser.display());
    // One output directory per grammar: the object files of two grammars
    // (typescript and tsx both have `scanner.c`) must not collide.
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join(name);
    let mut build = cc::Build::new();
    build
        .out_dir(&out)
        .include(src)
        .file(&parser)
        .warnings(false)
        .flag_if_supported("-std=c11")
        .flag_if_supported("-w");
    if scanner.exists() {
        println!("cargo:rerun-if-changed={}", scanner.display());
        build.file(&scanner);
    }
    build.compile(&format!("grammar-{name}"));
}

fn main() {
    let dir = grammars_dir();
    let mut sources = Vec::new();
    for (name, rel) in GRAMMARS {
        let src = dir.join(rel).join("src");
        if !src.join("parser.c").exists() {
            panic!(
                "grammar `{name}` not found at {}: run `npm install` at the repository root \
                 (the tree-sitter-* grammar packages are devDependencies), or set \
                 OPENCODE_GRAMMARS_DIR to a directory holding them",
                src.display()
            );
        }
        sources.push((*name, src));
    }
    // The big generated parsers dominate build time: compile them side by
    // side, largest first, one worker per core.
    sources.sort_by_key(|(_, src)| {
        std::cmp::Reverse(src.join("parser.c").metadata().map_or(0, |m| m.len()))
    });
    let next = AtomicUsize::new(0);
    let workers = thread::available_parallelism().map_or(1, |n| n.get());
    thread::scope(|scope| {
        for _ in 0..workers.min(sources.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((name, src)) = sources.get(i) else {
                    break;
                };
                compile(name, src);
            });
        }
    });
}
