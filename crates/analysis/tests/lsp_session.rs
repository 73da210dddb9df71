//! Warm sessions against the fake server (tests/fixtures/fake-lsp.cjs, run
//! with `node`): a second check sees a change, unchanged files are answered
//! from what was reported, a file gone from disk is closed, a server that
//! died between checks is reported, and closing leaves no process.

mod common;

use common::{alive, fake, have_node};
use opencode_analysis::lsp::client::Limits;
use opencode_analysis::lsp::session::{Session, StartOptions};
use opencode_analysis::lsp::warm;
use opencode_analysis::source::Root;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);
const SETTLE: Duration = Duration::from_millis(50);

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lsp-session-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/a.ts"), "const a = 1; BAD\n").unwrap();
    std::fs::write(dir.join("src/b.ts"), "export {};\n").unwrap();
    dir
}

fn start(dir: &Path, args: &[&str]) -> Session {
    let mut command = vec!["node".to_string(), fake(), "normal".to_string()];
    command.extend(args.iter().map(|a| a.to_string()));
    let options = StartOptions {
        command: &command,
        language_id: None,
        initialization_options: None,
        limits: Limits::default(),
    };
    let root = Root::new(&dir.to_string_lossy()).unwrap();
    Session::start(root, options, TIMEOUT).expect("the fake server starts")
}

fn files(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Error counts per requested file, in order.
fn counts(check: &opencode_analysis::lsp::session::Check) -> Vec<(String, bool, usize)> {
    check
        .files
        .iter()
        .map(|f| (f.file.clone(), f.reported, f.diagnostics.len()))
        .collect()
}

fn assert_gone(pids: &[String]) {
    let until = Instant::now() + Duration::from_secs(2);
    while pids.iter().any(|p| alive(p)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    for pid in pids {
        assert!(!alive(pid), "process {pid} still running");
    }
}

fn read_pids(file: &Path) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(text) = std::fs::read_to_string(file) {
            let pids: Vec<String> = text.split_whitespace().map(str::to_string).collect();
            if pids.len() == 2 {
                return pids;
            }
        }
        assert!(Instant::now() < until, "the fake server wrote no pids");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn second_check_sees_the_change() {
    if !have_node() {
        eprintln!("skipped: node not found");
        return;
    }
    let dir = project("change");
    // Reports come 300 ms after didOpen, long after the empty report the
    // server sends on didClose: only the barrier keeps that one from
    // passing for the new text.
    let mut session = start(&dir, &["--delay=300"]);
    let first = session
        .check(&files(&["src/a.ts", "src/b.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert!(first.alive && first.error.is_none(), "{first:?}");
    assert_eq!(
        counts(&first),
        [("src/a.ts".into(), true, 1), ("src/b.ts".into(), true, 0)]
    );
    assert_eq!((first.opened, first.reopened, first.closed), (2, 0, 0));

    std::fs::write(dir.join("src/a.ts"), "const a = 1;\n").unwrap();
    std::fs::write(dir.join("src/b.ts"), "export {};\nBAD\n").unwrap();
    let second = session
        .check(&files(&["src/a.ts", "src/b.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert!(second.error.is_none(), "{second:?}");
    assert_eq!(
        counts(&second),
        [("src/a.ts".into(), true, 0), ("src/b.ts".into(), true, 1)]
    );
    assert_eq!(second.files[1].diagnostics[0].line, 2);
    assert_eq!((second.opened, second.reopened), (0, 2));

    // Nothing changed: answered from the last reports, nothing sent.
    let started = Instant::now();
    let third = session
        .check(&files(&["src/b.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(counts(&third), [("src/b.ts".into(), true, 1)]);
    assert_eq!((third.opened, third.reopened, third.closed), (0, 0, 0));

    // A file gone from disk is closed; asking for a new one reopens the
    // others it may affect.
    std::fs::remove_file(dir.join("src/a.ts")).unwrap();
    std::fs::write(dir.join("src/c.ts"), "BAD BAD\n").unwrap();
    let fourth = session
        .check(&files(&["src/c.ts", "src/b.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert_eq!(
        counts(&fourth),
        [("src/c.ts".into(), true, 1), ("src/b.ts".into(), true, 1)]
    );
    assert_eq!((fourth.opened, fourth.reopened, fourth.closed), (1, 1, 1));
    assert_eq!(session.open_documents(), ["src/b.ts", "src/c.ts"]);

    // Outside the root: a request error, nothing sent, the session lives on.
    let err = session
        .check(&files(&["../x.ts"]), TIMEOUT, SETTLE)
        .unwrap_err();
    assert_eq!(err.code.as_str(), "E_OUTSIDE_ROOT");
    assert!(session.alive());
    session.shutdown(Duration::from_secs(1));
    assert!(!session.alive());
}

#[test]
fn a_server_that_died_between_checks_is_reported() {
    if !have_node() {
        return;
    }
    let dir = project("died");
    let mut session = start(&dir, &[]);
    let first = session
        .check(&files(&["src/a.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert!(first.alive);
    let killed = Command::new("kill")
        .args(["-9", &session.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(100));
    std::fs::write(dir.join("src/a.ts"), "const a = 2;\n").unwrap();
    let second = session
        .check(&files(&["src/a.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert!(!second.alive, "{second:?}");
    let error = second.error.unwrap();
    assert!(error.contains("the server exited"), "{error}");
    assert!(error.contains("signal: 9"), "{error}");
    assert!(!second.files[0].reported);
    // And stays dead.
    let third = session
        .check(&files(&["src/a.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    assert!(!third.alive);
}

#[test]
fn closing_leaves_no_process() {
    if !have_node() {
        return;
    }
    let dir = project("close");
    let pids_file = dir.join("pids");
    let mut session = start(&dir, &[&format!("--pids={}", pids_file.display())]);
    let pids = read_pids(&pids_file);
    assert!(pids.iter().all(|p| alive(p)));
    session
        .check(&files(&["src/a.ts"]), TIMEOUT, SETTLE)
        .unwrap();
    session.shutdown(Duration::from_secs(1));
    assert_gone(&pids);
}

#[test]
fn registry_checks_closes_and_kills_per_owner() {
    if !have_node() {
        return;
    }
    let dir = project("registry");
    let owner = 1_000_000 + u64::from(std::process::id());
    let started = |name: &str| {
        let pids = dir.join(name);
        let req: warm::StartRequest = serde_json::from_value(serde_json::json!({
            "root": dir,
            "command": ["node", fake(), "normal", format!("--pids={}", pids.display())],
            "timeoutMs": 10_000,
        }))
        .unwrap();
        let report = warm::as_owner(owner, || warm::start(&req)).unwrap();
        assert!(report.server.started, "{report:?}");
        (report.id.unwrap(), read_pids(&pids))
    };
    let (one, one_pids) = started("pids-1");
    let (two, two_pids) = started("pids-2");
    let check: warm::CheckRequest = serde_json::from_value(serde_json::json!({
        "id": one, "files": ["src/a.ts"], "settleMs": 50,
    }))
    .unwrap();
    let report = warm::check(&check).unwrap();
    assert!(report.alive && report.files[0].diagnostics.len() == 1);

    assert!(warm::close(one));
    assert!(!warm::close(one));
    assert_gone(&one_pids);
    let err = warm::check(&check).unwrap_err();
    assert_eq!(err.code.as_str(), "E_BAD_REQUEST");
    assert!(err.message.contains("start a new one"), "{}", err.message);

    // Another owner's sessions are not touched; this owner's are killed.
    assert_eq!(warm::close_all(Some(owner + 1)), 0);
    assert!(two_pids.iter().all(|p| alive(p)));
    assert_eq!(warm::close_all(Some(owner)), 1);
    assert_gone(&two_pids);
    let _ = two;
}

#[test]
fn start_failures_are_values() {
    let dir = project("start");
    let req: warm::StartRequest = serde_json::from_value(serde_json::json!({
        "root": dir, "command": ["/no/such/lsp-binary"],
    }))
    .unwrap();
    let report = warm::start(&req).unwrap();
    assert!(report.id.is_none() && !report.server.started);
    assert!(report.server.error.unwrap().contains("cannot start"));
    if !have_node() {
        return;
    }
    let req: warm::StartRequest = serde_json::from_value(serde_json::json!({
        "root": dir, "command": ["node", fake(), "exit"], "timeoutMs": 10_000,
    }))
    .unwrap();
    let report = warm::start(&req).unwrap();
    let error = report.server.error.unwrap();
    assert!(error.contains("exited during initialize"), "{error}");
    assert!(error.contains("bad config"), "{error}");
}
