//! A fake Node-API host for unit tests: the `napi_*` functions `sys.rs`
//! declares, defined here (test builds only) over a per-thread table of
//! values, so the boundary's paths run without Node — a failing host call
//! included ([`fail`]). Async work runs when the test says ([`run_queued`]),
//! on the test's thread. A promise settled twice, work deleted twice or
//! never, a call with an unknown handle: each is a failure status here, and
//! visible in [`Host`].

#![allow(clippy::missing_safety_doc)]

use super::sys::*;
use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::ptr;

#[derive(Debug, Clone)]
pub enum Fake {
    Undefined,
    Str(String),
    Error {
        code: String,
        message: String,
    },
    Function {
        callback: napi_callback,
        data: *mut c_void,
    },
    Promise(Settled),
}

#[derive(Debug, Clone)]
pub enum Settled {
    Pending,
    Resolved(Box<Fake>),
    Rejected(Box<Fake>),
}

pub struct Work {
    execute: napi_async_execute_callback,
    complete: napi_async_complete_callback,
    data: *mut c_void,
    pub queued: bool,
    pub completed: bool,
    pub deleted: bool,
}

#[derive(Default)]
pub struct Host {
    pub values: Vec<Fake>,
    pub works: Vec<Work>,
    pub exception: Option<Fake>,
    failing: Vec<&'static str>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::new(Host::default());
}

/// The environment handle the fake hands to callbacks.
pub fn env() -> napi_env {
    ptr::NonNull::<u8>::dangling().as_ptr().cast()
}

/// A fresh host for this thread.
pub fn reset() {
    HOST.with(|h| *h.borrow_mut() = Host::default());
}

/// `napi_<name>` fails from now on.
pub fn fail(name: &'static str) {
    HOST.with(|h| h.borrow_mut().failing.push(name));
}

pub fn with<T>(f: impl FnOnce(&mut Host) -> T) -> T {
    HOST.with(|h| f(&mut h.borrow_mut()))
}

pub fn add(value: Fake) -> napi_value {
    with(|h| {
        h.values.push(value);
        h.values.len() as napi_value
    })
}

pub fn get(value: napi_value) -> Option<Fake> {
    with(|h| h.values.get((value as usize).wrapping_sub(1)).cloned())
}

/// The arguments and data of a fake call ([`napi_get_cb_info`] reads it).
pub struct Call {
    pub args: Vec<napi_value>,
    pub data: *mut c_void,
}

/// Runs every queued work: `execute` (unless `status` is cancelled), then
/// `complete` with `status`.
pub fn run_queued(status: napi_status) {
    let ready: Vec<usize> = with(|h| {
        (0..h.works.len())
            .filter(|&i| h.works[i].queued && !h.works[i].completed)
            .collect()
    });
    for i in ready {
        let (execute, complete, data) = with(|h| {
            let w = &mut h.works[i];
            w.completed = true;
            (w.execute, w.complete, w.data)
        });
        // SAFETY: the callbacks and data are what the code under test gave
        // `napi_create_async_work`; they run once, as the host would.
        unsafe {
            if status != NAPI_CANCELLED {
                if let Some(execute) = execute {
                    execute(env(), data);
                }
            }
            if let Some(complete) = complete {
                complete(env(), status, data);
            }
        }
    }
}

const FAILED: napi_status = 9; // napi_generic_failure

fn fails(name: &str) -> bool {
    with(|h| h.failing.contains(&name))
}

macro_rules! guard {
    ($name:literal) => {
        if fails($name) {
            return FAILED;
        }
    };
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_function(
    _env: napi_env,
    _name: *const c_char,
    _length: usize,
    callback: napi_callback,
    data: *mut c_void,
    result: *mut napi_value,
) -> napi_status {
    guard!("create_function");
    // SAFETY: `result` is the caller's out-pointer.
    unsafe { *result = add(Fake::Function { callback, data }) };
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_set_named_property(
    _env: napi_env,
    _object: napi_value,
    _name: *const c_char,
    _value: napi_value,
) -> napi_status {
    guard!("set_named_property");
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_cb_info(
    _env: napi_env,
    info: napi_callback_info,
    argc: *mut usize,
    argv: *mut napi_value,
    _this_arg: *mut napi_value,
    data: *mut *mut c_void,
) -> napi_status {
    guard!("get_cb_info");
    // SAFETY: tests pass a `Call` as the info; the out-pointers are the
    // caller's, `argv` with room for `*argc` values.
    unsafe {
        let call = &*(info as *const Call);
        for (i, arg) in call.args.iter().take(*argc).enumerate() {
            *argv.add(i) = *arg;
        }
        *argc = call.args.len();
        *data = call.data;
    }
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_typeof(
    _env: napi_env,
    value: napi_value,
    result: *mut napi_valuetype,
) -> napi_status {
    guard!("typeof");
    let kind = match get(value) {
        Some(Fake::Str(_)) => NAPI_STRING,
        Some(Fake::Undefined) => 0,
        Some(_) => 6,
        None => return FAILED,
    };
    // SAFETY: the caller's out-pointer.
    unsafe { *result = kind };
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_string_utf8(
    _env: napi_env,
    value: napi_value,
    buf: *mut c_char,
    bufsize: usize,
    result: *mut usize,
) -> napi_status {
    guard!("get_value_string_utf8");
    let Some(Fake::Str(s)) = get(value) else {
        return FAILED;
    };
    // SAFETY: the caller's out-pointer, and `buf` with room for `bufsize`
    // bytes when it is not null.
    unsafe {
        if buf.is_null() {
            *result = s.len();
        } else {
            let n = s.len().min(bufsize.saturating_sub(1));
            ptr::copy_nonoverlapping(s.as_ptr(), buf.cast(), n);
            *buf.add(n) = 0;
            *result = n;
        }
    }
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_utf8(
    _env: napi_env,
    s: *const c_char,
    length: usize,
    result: *mut napi_value,
) -> napi_status {
    guard!("create_string_utf8");
    // SAFETY: the caller passes `length` readable bytes and an out-pointer.
    unsafe {
        let bytes = std::slice::from_raw_parts(s.cast::<u8>(), length);
        *result = add(Fake::Str(String::from_utf8_lossy(bytes).into_owned()));
    }
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_undefined(
    _env: napi_env,
    result: *mut napi_value,
) -> napi_status {
    guard!("get_undefined");
    // SAFETY: the caller's out-pointer.
    unsafe { *result = add(Fake::Undefined) };
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_error(
    _env: napi_env,
    code: napi_value,
    msg: napi_value,
    result: *mut napi_value,
) -> napi_status {
    guard!("create_error");
    let (Some(Fake::Str(code)), Some(Fake::Str(message))) = (get(code), get(msg)) else {
        return FAILED;
    };
    // SAFETY: the caller's out-pointer.
    unsafe { *result = add(Fake::Error { code, message }) };
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_throw(_env: napi_env, error: napi_value) -> napi_status {
    guard!("throw");
    let Some(error) = get(error) else {
        return FAILED;
    };
    with(|h| h.exception = Some(error));
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_exception_pending(
    _env: napi_env,
    result: *mut bool,
) -> napi_status {
    guard!("is_exception_pending");
    let pending = with(|h| h.exception.is_some());
    // SAFETY: the caller's out-pointer.
    unsafe { *result = pending };
    NAPI_OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_promise(
    _env: napi_env,
    deferred: *mut napi_deferred,
    promise: *mut napi_value,
) -> napi_status {
    guard!("create_promise");
    let value = add(Fake::Promise(Settled::Pending));
    // SAFETY: the caller's out-pointers; the deferred is the promise's handle.
    unsafe {
        *deferred = value;
        *promise = value;
    }
    NAPI_OK
}

fn conclude(deferred: napi_deferred, value: napi_value, resolve: bool) -> napi_status {
    let Some(value) = get(value) else {
        return FAILED;
    };
    with(
        |h| match h.values.get_mut((deferred as usize).wrapping_sub(1)) {
            Some(Fake::Promise(state)) if matches!(state, Settled::Pending) => {
                *state = if resolve {
                    Settled::Resolved(Box::new(value))
                } else {
                    Settled::Rejected(Box::new(value))
                };
                NAPI_OK
            }
            _ => FAILED,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn napi_resolve_deferred(
    _env: napi_env,
    deferred: napi_deferred,
    resolution: napi_value,
) -> napi_status {
    guard!("resolve_deferred");
    conclude(deferred, resolution, true)
}

#[no_mangle]
pub unsafe extern "C" fn napi_reject_deferred(
    _env: napi_env,
    deferred: napi_deferred,
    rejection: napi_value,
) -> napi_status {
    guard!("reject_deferred");
    conclude(deferred, rejection, false)
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_async_work(
    _env: napi_env,
    _async_resource: napi_value,
    _async_resource_name: napi_value,
    execute: napi_async_execute_callback,
    complete: napi_async_complete_callback,
    data: *mut c_void,
    result: *mut napi_async_work,
) -> napi_status {
    guard!("create_async_work");
    let handle = with(|h| {
        h.works.push(Work {
            execute,
            complete,
            data,
            queued: false,
            completed: false,
            deleted: false,
        });
        h.works.len() as napi_async_work
    });
    // SAFETY: the caller's out-pointer.
    unsafe { *result = handle };
    NAPI_OK
}

fn with_work(work: napi_async_work, f: impl FnOnce(&mut Work) -> napi_status) -> napi_status {
    with(|h| match h.works.get_mut((work as usize).wrapping_sub(1)) {
        Some(w) if !w.deleted => f(w),
        _ => FAILED,
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_queue_async_work(
    _env: napi_env,
    work: napi_async_work,
) -> napi_status {
    guard!("queue_async_work");
    with_work(work, |w| {
        w.queued = true;
        NAPI_OK
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_delete_async_work(
    _env: napi_env,
    work: napi_async_work,
) -> napi_status {
    guard!("delete_async_work");
    with_work(work, |w| {
        w.deleted = true;
        NAPI_OK
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_add_env_cleanup_hook(
    _env: napi_env,
    _fun: napi_cleanup_hook,
    _arg: *mut c_void,
) -> napi_status {
    guard!("add_env_cleanup_hook");
    NAPI_OK
}
