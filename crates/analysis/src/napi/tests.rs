//! The boundary against the fake host (`fake_host.rs`): every path of a
//! call, the failing ones included, settles its promise once and leaves no
//! call box, async work or pending promise behind.

use super::call::{self, Target};
use super::env::Env;
use super::fake_host::{self as host, Call, Fake, Settled};
use super::sys::{napi_callback_info, napi_value, NAPI_CANCELLED, NAPI_OK};
use crate::error::Result;

fn echo(input: &str) -> Result<String> {
    Ok(format!("echo {input}"))
}

fn boom(input: &str) -> Result<String> {
    panic!("boom with {input}");
}

/// Calls a new function for `handler` with `args`; what it returned (None:
/// null, after a throw).
fn invoke(handler: fn(&str) -> Result<String>, asynchronous: bool, args: &[&str]) -> Option<Fake> {
    crate::panics::install_hook();
    let target: &'static Target = Box::leak(Box::new(Target { handler, owner: 0 }));
    // SAFETY: the fake host's env, used during this test only.
    let env = unsafe { Env::from_raw(host::env()) };
    let function = call::function(env, "f", asynchronous, target).unwrap();
    let Some(Fake::Function {
        callback: Some(callback),
        data,
    }) = host::get(function.into_raw())
    else {
        panic!("no function was created");
    };
    let args: Vec<napi_value> = args
        .iter()
        .map(|a| host::add(Fake::Str(a.to_string())))
        .collect();
    let info = Call { args, data };
    // SAFETY: the fake host's env and a `Call` as the info, which is what the
    // fake `napi_get_cb_info` reads.
    let returned = unsafe { callback(host::env(), &info as *const Call as napi_callback_info) };
    host::get(returned)
}

fn settled(promise: &Option<Fake>) -> Settled {
    match promise {
        Some(Fake::Promise(_)) => {}
        other => panic!("not a promise: {other:?}"),
    }
    // The promise value in the table is updated in place: read it again.
    let all = host::with(|h| h.values.clone());
    let found = all.into_iter().find_map(|v| match v {
        Fake::Promise(state) => Some(state),
        _ => None,
    });
    found.unwrap_or(Settled::Pending)
}

fn rejection(state: Settled) -> (String, String) {
    match state {
        Settled::Rejected(error) => match *error {
            Fake::Error { code, message } => (code, message),
            other => panic!("rejected with {other:?}"),
        },
        other => panic!("not rejected: {other:?}"),
    }
}

/// No call box alive, every async work deleted, no promise pending.
fn nothing_left() {
    assert_eq!(call::live_calls(), 0, "an AsyncCall leaked");
    host::with(|h| {
        assert!(h.works.iter().all(|w| w.deleted), "async work not deleted");
        assert!(
            !h.values
                .iter()
                .any(|v| matches!(v, Fake::Promise(Settled::Pending))),
            "a promise was left pending"
        );
    });
}

#[test]
fn an_async_call_resolves_and_frees_its_call() {
    host::reset();
    let promise = invoke(echo, true, &["{}"]);
    assert!(matches!(settled(&promise), Settled::Pending));
    assert_eq!(call::live_calls(), 1);
    host::run_queued(NAPI_OK);
    match settled(&promise) {
        Settled::Resolved(value) => assert!(matches!(*value, Fake::Str(ref s) if s == "echo {}")),
        other => panic!("{other:?}"),
    }
    nothing_left();
}

#[test]
fn a_sync_call_answers_or_throws() {
    host::reset();
    assert!(matches!(invoke(echo, false, &["x"]), Some(Fake::Str(ref s)) if s == "echo x"));
    assert!(invoke(boom, false, &["x"]).is_none());
    let Some(Fake::Error { code, message }) = host::with(|h| h.exception.take()) else {
        panic!("nothing thrown");
    };
    assert_eq!(code, "E_PANIC");
    assert!(
        message.starts_with("internal error (panic at src/napi/tests.rs:"),
        "{message}"
    );
    assert!(message.ends_with("): boom with x"), "{message}");
}

#[test]
fn a_panic_on_the_worker_rejects_the_promise() {
    host::reset();
    let promise = invoke(boom, true, &["y"]);
    host::run_queued(NAPI_OK);
    let (code, message) = rejection(settled(&promise));
    assert_eq!(code, "E_PANIC");
    assert!(message.ends_with("boom with y"), "{message}");
    nothing_left();
}

#[test]
fn a_call_without_its_argument_is_rejected() {
    host::reset();
    let promise = invoke(echo, true, &[]);
    assert_eq!(rejection(settled(&promise)).0, "E_BAD_REQUEST");
    nothing_left();
}

#[test]
fn work_that_cannot_be_created_or_queued_is_rejected_and_freed() {
    for failing in ["create_async_work", "queue_async_work"] {
        host::reset();
        host::fail(failing);
        let promise = invoke(echo, true, &["{}"]);
        let (code, message) = rejection(settled(&promise));
        assert_eq!(code, "E_INTERNAL");
        assert!(message.contains(failing), "{message}");
        nothing_left();
    }
}

#[test]
fn a_failure_after_the_work_was_queued_still_rejects_and_frees() {
    // The answer cannot be handed over: resolving fails.
    host::reset();
    let promise = invoke(echo, true, &["{}"]);
    host::fail("resolve_deferred");
    host::run_queued(NAPI_OK);
    let (code, message) = rejection(settled(&promise));
    assert_eq!(code, "E_INTERNAL");
    assert!(message.contains("resolve_deferred"), "{message}");
    nothing_left();

    // Deleting the finished work fails: reported, not swallowed.
    host::reset();
    let promise = invoke(echo, true, &["{}"]);
    host::fail("delete_async_work");
    host::run_queued(NAPI_OK);
    let (code, message) = rejection(settled(&promise));
    assert_eq!(code, "E_INTERNAL");
    assert!(message.contains("delete_async_work"), "{message}");
    assert_eq!(call::live_calls(), 0);

    // No string can be made any more (neither the answer nor an error's
    // text): the promise is still rejected, with `undefined`.
    host::reset();
    let promise = invoke(echo, true, &["{}"]);
    host::fail("create_string_utf8");
    host::run_queued(NAPI_OK);
    match settled(&promise) {
        Settled::Rejected(value) => assert!(matches!(*value, Fake::Undefined)),
        other => panic!("{other:?}"),
    }
    nothing_left();
}

#[test]
fn cancelled_work_is_rejected_as_internal() {
    host::reset();
    let promise = invoke(echo, true, &["{}"]);
    host::run_queued(NAPI_CANCELLED);
    let (code, message) = rejection(settled(&promise));
    assert_eq!(code, "E_INTERNAL");
    assert!(message.contains("cancelled"), "{message}");
    nothing_left();
}

#[test]
fn a_promise_that_cannot_be_created_is_thrown() {
    host::reset();
    host::fail("create_promise");
    assert!(invoke(echo, true, &["{}"]).is_none());
    let Some(Fake::Error { code, .. }) = host::with(|h| h.exception.take()) else {
        panic!("nothing thrown");
    };
    assert_eq!(code, "E_INTERNAL");
    assert_eq!(call::live_calls(), 0);
}
