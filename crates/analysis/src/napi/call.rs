//! The trampolines the host calls: [`call_sync`] runs an export's handler on
//! the JavaScript thread and returns its answer (or throws); [`call_async`]
//! returns a Promise at once and runs the handler on the host's worker pool
//! (`napi_create_async_work`).
//!
//! An async call owns one boxed [`AsyncCall`] from the moment its work is
//! created until `complete` takes it back, and one promise that is settled
//! on every path: a call that cannot be queued is rejected at once (the box
//! taken back, the work deleted), a cancelled one or one whose answer
//! cannot be handed over is rejected with [`ErrorCode::Internal`].

use super::env::{AsyncWork, CallInfo, Deferred, Env, Value};
use super::sys::{napi_callback_info, napi_env, napi_status, napi_value, NAPI_CANCELLED};
use crate::api::Handler;
use crate::error::{Error, ErrorCode, Result};
use crate::lsp::warm;
use crate::panics;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// Name of the async work, as the host's diagnostics (async hooks) show it.
const WORK_NAME: &str = "opencode-analysis";

/// What a JS function of this module calls: the handler, on behalf of the
/// environment that created the function. One per export and environment,
/// kept for the life of the process.
pub struct Target {
    pub handler: Handler,
    /// The environment's owner id (see `lsp::warm::as_owner`).
    pub owner: u64,
}

/// Creates the JS function `name` that calls `target` synchronously or
/// asynchronously.
pub fn function<'a>(
    env: Env<'a>,
    name: &str,
    asynchronous: bool,
    target: &'static Target,
) -> Result<Value<'a>> {
    let callback = if asynchronous { call_async } else { call_sync };
    let data = target as *const Target as *mut c_void;
    // SAFETY: both trampolines read the call's data pointer as the
    // `&'static Target` it is here, and never write through it.
    unsafe { env.create_function(name, callback, data) }
}

/// The target of the function being called, and its JSON request.
fn request(info: &CallInfo) -> Result<(&'static Target, String)> {
    let (first, data) = info.first_arg()?;
    // SAFETY: every function calling this was made by `function`, whose data
    // pointer is a leaked, never freed `&'static Target`.
    let target = unsafe { &*(data as *const Target) };
    let first = first.ok_or_else(|| {
        Error::new(
            ErrorCode::BadRequest,
            "expected one argument: a JSON request string",
        )
    })?;
    Ok((target, info.env().read_string(first)?))
}

/// Runs a target's handler as its owner; a panic becomes an error.
fn guarded(target: &Target, input: &str) -> Result<String> {
    let handler = target.handler;
    panics::catch("the addon", || {
        warm::as_owner(target.owner, || handler(input))
    })
}

/// The value a trampoline returns: the answer, or null after throwing the
/// error (or a panic at the boundary itself) as a JavaScript exception.
fn returned(env: Env, outcome: std::thread::Result<Result<Value>>) -> napi_value {
    let error = match outcome {
        Ok(Ok(value)) => return value.into_raw(),
        Ok(Err(error)) => error,
        Err(_) => Error::new(
            ErrorCode::Panic,
            "internal error (panic) at the Node-API boundary",
        ),
    };
    // A failed throw leaves the call returning `undefined`: the host could
    // not create or throw an error, and there is no other channel.
    let _ = env.throw(&error);
    ptr::null_mut()
}

// ---- synchronous calls --------------------------------------------------------

/// # Safety
/// Called by the host, on the JavaScript thread, for a function made by
/// [`function`], with that call's env and info.
unsafe extern "C" fn call_sync(raw_env: napi_env, raw_info: napi_callback_info) -> napi_value {
    // SAFETY: the host passes the env and info of the call running now.
    let (env, info) = unsafe {
        let env = Env::from_raw(raw_env);
        (env, CallInfo::from_raw(env, raw_info))
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (target, input) = request(&info)?;
        env.string(&guarded(target, &input)?)
    }));
    returned(env, outcome)
}

// ---- asynchronous calls -------------------------------------------------------

/// One async call, boxed; its pointer is the work's data.
struct AsyncCall {
    target: &'static Target,
    input: String,
    /// Set by `execute` on the worker thread.
    output: Option<Result<String>>,
    deferred: Deferred,
    /// Set once the work is queued; deleted by `complete`.
    work: Option<AsyncWork>,
    _live: live::Token,
}

/// # Safety
/// As [`call_sync`].
unsafe extern "C" fn call_async(raw_env: napi_env, raw_info: napi_callback_info) -> napi_value {
    // SAFETY: the host passes the env and info of the call running now.
    let (env, info) = unsafe {
        let env = Env::from_raw(raw_env);
        (env, CallInfo::from_raw(env, raw_info))
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (deferred, promise) = env.promise()?;
        if let Err((deferred, error)) = start(env, &info, deferred) {
            settle(env, deferred, Err(error));
        }
        Ok(promise)
    }));
    returned(env, outcome)
}

/// Queues the call on the worker pool. On failure nothing of it is left
/// behind, and its resolver is handed back to be rejected.
fn start(
    env: Env,
    info: &CallInfo,
    deferred: Deferred,
) -> std::result::Result<(), (Deferred, Error)> {
    let (target, input) = match request(info) {
        Ok(args) => args,
        Err(error) => return Err((deferred, error)),
    };
    let name = match env.string(WORK_NAME) {
        Ok(name) => name,
        Err(error) => return Err((deferred, error)),
    };
    let data = Box::into_raw(Box::new(AsyncCall {
        target,
        input,
        output: None,
        deferred,
        work: None,
        _live: live::Token::new(),
    }));
    // SAFETY: `data` stays valid until `complete` takes the box back; if the
    // work is never queued, it is taken back below and neither callback runs.
    let created = unsafe { env.create_async_work(name, execute, complete, data.cast()) };
    let queued = created.and_then(|work| match env.queue(&work) {
        Ok(()) => Ok(work),
        Err(error) => Err(match env.delete_async_work(work) {
            Ok(()) => error,
            Err(also) => Error::new(
                ErrorCode::Internal,
                format!("{}; {}", error.message, also.message),
            ),
        }),
    });
    match queued {
        Ok(work) => {
            // SAFETY: `complete`, the only reader of `work`, runs on this
            // thread after this call returns; `execute` touches other fields.
            unsafe { (*data).work = Some(work) };
            Ok(())
        }
        Err(error) => {
            // SAFETY: nothing was queued, so no callback will run: the box is
            // ours again, taken back once.
            let call = unsafe { Box::from_raw(data) };
            Err((call.deferred, error))
        }
    }
}

/// Runs on a worker thread: no Node-API calls allowed here.
///
/// # Safety
/// `data` is an [`AsyncCall`] queued by [`start`].
unsafe extern "C" fn execute(_env: napi_env, data: *mut c_void) {
    let call = data.cast::<AsyncCall>();
    // SAFETY: until `complete` runs, the call's target, input and output are
    // this worker's alone (the JavaScript thread only sets `work`).
    let (target, input) = unsafe { ((*call).target, &(*call).input) };
    let output = guarded(target, input);
    // SAFETY: as above.
    unsafe { (*call).output = Some(output) };
}

/// Back on the JavaScript thread: delete the work, settle the promise, free
/// the call.
///
/// # Safety
/// `data` is an [`AsyncCall`] queued by [`start`]; the host calls this once
/// for it, with the env of the environment that queued it.
unsafe extern "C" fn complete(raw_env: napi_env, status: napi_status, data: *mut c_void) {
    // SAFETY: the box leaked in `start` comes back exactly once, here, after
    // `execute` returned (or instead of it, when cancelled).
    let call = unsafe { Box::from_raw(data.cast::<AsyncCall>()) };
    // SAFETY: the host passes the env of the callback running now.
    let env = unsafe { Env::from_raw(raw_env) };
    let _ = catch_unwind(AssertUnwindSafe(|| finish(env, status, *call)));
}

fn finish(env: Env, status: napi_status, call: AsyncCall) {
    let mut outcome = match (status, call.output) {
        (NAPI_CANCELLED, _) => Err(Error::new(
            ErrorCode::Internal,
            "the call was cancelled before it ran",
        )),
        (_, Some(output)) => output,
        (_, None) => Err(Error::new(
            ErrorCode::Internal,
            format!("the call did not run (Node-API status {status})"),
        )),
    };
    if let Some(work) = call.work {
        if let Err(error) = env.delete_async_work(work) {
            outcome = outcome.and(Err(error));
        }
    }
    settle(env, call.deferred, outcome);
}

/// Resolves the promise with the answer, or rejects it with the error. If
/// resolving fails, it is rejected with that failure instead. If rejecting
/// fails too, the environment cannot run JavaScript any more (it is being
/// torn down) and nobody is left to see the promise.
fn settle(env: Env, deferred: Deferred, outcome: Result<String>) {
    let (deferred, error) = match outcome.and_then(|text| env.string(&text)) {
        Ok(value) => match env.resolve(deferred, value) {
            Ok(()) => return,
            Err(failed) => failed,
        },
        Err(error) => (deferred, error),
    };
    if let Ok(value) = env.error(&error).or_else(|_| env.undefined()) {
        let _ = env.reject(deferred, value);
    }
}

/// Live [`AsyncCall`]s on this thread (unit tests only).
#[cfg(test)]
pub fn live_calls() -> usize {
    live::COUNT.with(|n| n.get())
}

/// A count of live [`AsyncCall`]s on this thread, in unit tests only: they
/// check that no path leaks one.
mod live {
    #[cfg(test)]
    thread_local! {
        pub static COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    pub struct Token(());

    impl Token {
        pub fn new() -> Token {
            #[cfg(test)]
            COUNT.with(|n| n.set(n.get() + 1));
            Token(())
        }
    }

    #[cfg(test)]
    impl Drop for Token {
        fn drop(&mut self) {
            COUNT.with(|n| n.set(n.get() - 1));
        }
    }
}
