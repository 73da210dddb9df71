//! Helpers shared by the LSP integration tests.

use std::path::PathBuf;
use std::process::Command;

/// The fake language server (run with `node`).
pub fn fake() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fake-lsp.cjs")
        .to_string_lossy()
        .into_owned()
}

/// Tests that need the fake server skip without `node`.
pub fn have_node() -> bool {
    Command::new("node").arg("--version").output().is_ok()
}

/// Running (not gone, not a zombie): `kill -0` succeeds and /proc says not Z.
pub fn alive(pid: &str) -> bool {
    let signalled = Command::new("kill")
        .args(["-0", pid])
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false);
    signalled && !zombie
}
