//! The LSP client against a fake server (tests/fixtures/fake-lsp.cjs, run
//! with `node`): normal flow, a server that exits at once, one that never
//! answers (timeout; its process group must be gone), and floods.

mod common;

use common::{alive, fake, have_node};
use opencode_analysis::lsp::{diagnostics, DiagnosticsReport, DiagnosticsRequest};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lsp-client-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/a.ts"),
        "const ok = 1;\nconst é = \"🎉\"; BAD\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/b.ts"), "export {};\n").unwrap();
    dir
}

fn run(dir: &PathBuf, mode: &str, timeout_ms: u64) -> DiagnosticsReport {
    let req: DiagnosticsRequest = serde_json::from_value(serde_json::json!({
        "root": dir,
        "command": ["node", fake(), mode],
        "files": ["src/a.ts", "src/b.ts"],
        "timeoutMs": timeout_ms,
        "settleMs": 50,
        "maxMessages": 2000,
    }))
    .unwrap();
    diagnostics(&req).unwrap()
}

#[test]
fn normal_flow() {
    if !have_node() {
        eprintln!("skipped: node not found");
        return;
    }
    let dir = project("normal");
    let report = run(&dir, "normal", 10_000);
    assert!(report.server.started, "{report:?}");
    assert_eq!(report.server.error, None, "{report:?}");
    assert_eq!(report.server.name.as_deref(), Some("fake-lsp"));
    assert!(!report.timed_out);
    let a = &report.files[0];
    assert_eq!(a.file, "src/a.ts");
    assert!(a.reported);
    let d = &a.diagnostics[0];
    assert_eq!((d.line, d.severity), (2, "error"));
    // `const é = "🎉"; ` is 19 bytes (16 UTF-16 units): BAD is at column 20.
    assert_eq!(d.column, 20);
    assert_eq!(d.message, "BAD is bad — ✗");
    assert_eq!(d.code.as_deref(), Some("42"));
    assert!(report.files[1].reported && report.files[1].diagnostics.is_empty());
}

#[test]
fn missing_binary_and_outside_root() {
    let dir = project("missing");
    let req: DiagnosticsRequest = serde_json::from_value(serde_json::json!({
        "root": dir, "command": ["/no/such/lsp-binary"], "files": ["src/a.ts"], "timeoutMs": 1000,
    }))
    .unwrap();
    let report = diagnostics(&req).unwrap();
    assert!(!report.server.started);
    let error = report.server.error.unwrap();
    assert!(
        error.contains("cannot start") && error.contains("lsp-binary"),
        "{error}"
    );
    let req: DiagnosticsRequest = serde_json::from_value(serde_json::json!({
        "root": dir, "command": ["x"], "files": ["../../etc/passwd"],
    }))
    .unwrap();
    let err = diagnostics(&req).unwrap_err();
    assert_eq!(err.code.as_str(), "E_OUTSIDE_ROOT");
    let req: DiagnosticsRequest = serde_json::from_value(serde_json::json!({
        "root": dir, "command": [], "files": [],
    }))
    .unwrap();
    assert_eq!(
        diagnostics(&req).unwrap_err().code.as_str(),
        "E_BAD_REQUEST"
    );
}

#[test]
fn exits_at_once() {
    if !have_node() {
        return;
    }
    let dir = project("exit");
    let started = Instant::now();
    let report = run(&dir, "exit", 10_000);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!report.server.started);
    assert!(!report.timed_out);
    let error = report.server.error.unwrap();
    assert!(error.contains("exited during initialize"), "{error}");
    assert!(error.contains("3"), "{error}");
    assert!(error.contains("bad config"), "{error}");
}

#[test]
fn never_answers_times_out_and_group_is_killed() {
    if !have_node() {
        return;
    }
    let dir = project("silent");
    let pids = dir.join("pids");
    std::env::set_var("FAKE_LSP_PIDS", &pids);
    let started = Instant::now();
    let report = run(&dir, "silent", 1500);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(report.timed_out);
    assert!(!report.server.started);
    let error = report.server.error.unwrap();
    assert!(
        error.contains("did not answer initialize within 1500 ms"),
        "{error}"
    );
    let pids = std::fs::read_to_string(&pids).expect("fake server wrote its pids");
    let pids: Vec<&str> = pids.split_whitespace().collect();
    assert_eq!(pids.len(), 2);
    // The group kill is synchronous for the server; give the kernel a
    // moment to deliver SIGKILL to the grandchild.
    let until = Instant::now() + Duration::from_secs(2);
    while pids.iter().any(|p| alive(p)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    for pid in pids {
        assert!(!alive(pid), "process {pid} still running");
    }
}

#[test]
fn floods_are_cut_off() {
    if !have_node() {
        return;
    }
    let dir = project("flood");
    let started = Instant::now();
    let report = run(&dir, "flood", 20_000);
    assert!(started.elapsed() < Duration::from_secs(10));
    let error = report.server.error.unwrap();
    assert!(error.contains("more than 2000 messages"), "{error}");
    let report = run(&dir, "garbage", 20_000);
    let error = report.server.error.unwrap();
    assert!(error.contains("header block longer"), "{error}");
}
