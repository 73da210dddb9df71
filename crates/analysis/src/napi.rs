//! The Node-API boundary: the only module that touches `napi_value` or any
//! raw pointer of the host.
//!
//! There is no `napi` crate here, so the few Node-API functions we need are
//! declared by hand. They are not linked at build time: a `.node` file is a
//! shared library whose undefined `napi_*` symbols resolve against the host
//! process (Node or Bun) when it is loaded.
//!
//! Every export is a handler `fn(&str) -> Result<String>` (see `api.rs`) and
//! is exported twice: synchronously, and as `<name>Async`, which runs the
//! handler on the host's worker pool (`napi_create_async_work`) and returns a
//! Promise. A returned error or a panic becomes a JavaScript `Error` with a
//! `code` property; nothing unwinds across the C boundary.
//!
//! Each environment that loads the module (the main thread, a worker) gets
//! an owner id: calls run as that owner (`lsp::warm::as_owner`), and an env
//! cleanup hook kills the language servers it started when it is torn down.

#![allow(non_camel_case_types)]

use crate::api::{Handler, EXPORTS};
use crate::error::{Error, ErrorCode, Result};
use crate::lsp::warm;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

// ---- raw declarations (node_api.h, js_native_api.h) -------------------------

type napi_env = *mut c_void;
type napi_value = *mut c_void;
type napi_callback_info = *mut c_void;
type napi_deferred = *mut c_void;
type napi_async_work = *mut c_void;
type napi_status = c_int;
type napi_valuetype = c_int;
type napi_callback = Option<unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value>;
type napi_async_execute_callback = Option<unsafe extern "C" fn(napi_env, *mut c_void)>;
type napi_async_complete_callback =
    Option<unsafe extern "C" fn(napi_env, napi_status, *mut c_void)>;
type napi_cleanup_hook = Option<unsafe extern "C" fn(*mut c_void)>;

const NAPI_OK: napi_status = 0;
const NAPI_CANCELLED: napi_status = 11;
const NAPI_STRING: napi_valuetype = 4;
/// The Node-API version this module needs (async work and promises: 1).
const NAPI_VERSION: i32 = 8;

extern "C" {
    fn napi_create_function(
        env: napi_env,
        name: *const c_char,
        length: usize,
        cb: napi_callback,
        data: *mut c_void,
        result: *mut napi_value,
    ) -> napi_status;
    fn napi_set_named_property(
        env: napi_env,
        object: napi_value,
        name: *const c_char,
        value: napi_value,
    ) -> napi_status;
    fn napi_get_cb_info(
        env: napi_env,
        info: napi_callback_info,
        argc: *mut usize,
        argv: *mut napi_value,
        this_arg: *mut napi_value,
        data: *mut *mut c_void,
    ) -> napi_status;
    fn napi_typeof(env: napi_env, value: napi_value, result: *mut napi_valuetype) -> napi_status;
    fn napi_get_value_string_utf8(
        env: napi_env,
        value: napi_value,
        buf: *mut c_char,
        bufsize: usize,
        result: *mut usize,
    ) -> napi_status;
    fn napi_create_string_utf8(
        env: napi_env,
        s: *const c_char,
        length: usize,
        result: *mut napi_value,
    ) -> napi_status;
    fn napi_create_error(
        env: napi_env,
        code: napi_value,
        msg: napi_value,
        result: *mut napi_value,
    ) -> napi_status;
    fn napi_throw(env: napi_env, error: napi_value) -> napi_status;
    fn napi_is_exception_pending(env: napi_env, result: *mut bool) -> napi_status;
    fn napi_create_promise(
        env: napi_env,
        deferred: *mut napi_deferred,
        promise: *mut napi_value,
    ) -> napi_status;
    fn napi_resolve_deferred(
        env: napi_env,
        deferred: napi_deferred,
        resolution: napi_value,
    ) -> napi_status;
    fn napi_reject_deferred(
        env: napi_env,
        deferred: napi_deferred,
        rejection: napi_value,
    ) -> napi_status;
    fn napi_create_async_work(
        env: napi_env,
        async_resource: napi_value,
        async_resource_name: napi_value,
        execute: napi_async_execute_callback,
        complete: napi_async_complete_callback,
        data: *mut c_void,
        result: *mut napi_async_work,
    ) -> napi_status;
    fn napi_queue_async_work(env: napi_env, work: napi_async_work) -> napi_status;
    fn napi_delete_async_work(env: napi_env, work: napi_async_work) -> napi_status;
    fn napi_add_env_cleanup_hook(
        env: napi_env,
        fun: napi_cleanup_hook,
        arg: *mut c_void,
    ) -> napi_status;
}

// ---- small safe wrappers ------------------------------------------------------
//
// SAFETY (all of them): `env` is the environment the host passed to the
// callback we are in, used only on the JavaScript thread during that call.

fn status(s: napi_status, what: &str) -> Result<()> {
    if s == NAPI_OK {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::Io,
            format!("Node-API {what} failed (status {s})"),
        ))
    }
}

fn js_string(env: napi_env, s: &str) -> Result<napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: the pointer/length pair describes valid UTF-8 owned by `s`.
    status(
        unsafe { napi_create_string_utf8(env, s.as_ptr().cast(), s.len(), &mut value) },
        "create_string",
    )?;
    Ok(value)
}

fn rust_string(env: napi_env, value: napi_value) -> Result<String> {
    let mut kind = 0;
    // SAFETY: `value` came from the host for this call.
    status(unsafe { napi_typeof(env, value, &mut kind) }, "typeof")?;
    if kind != NAPI_STRING {
        return Err(Error::new(
            ErrorCode::BadRequest,
            "expected one argument: a JSON request string",
        ));
    }
    let mut len = 0;
    // SAFETY: a null buffer asks for the length in bytes.
    status(
        unsafe { napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) },
        "get_string",
    )?;
    let mut buf = vec![0u8; len + 1];
    let mut written = 0;
    // SAFETY: `buf` has room for `len` bytes and the terminating NUL.
    status(
        unsafe {
            napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut written)
        },
        "get_string",
    )?;
    buf.truncate(written);
    String::from_utf8(buf)
        .map_err(|_| Error::new(ErrorCode::BadRequest, "argument is not valid UTF-8"))
}

fn js_error(env: napi_env, error: &Error) -> Result<napi_value> {
    let code = js_string(env, error.code.as_str())?;
    let message = js_string(env, &error.message)?;
    let mut value = ptr::null_mut();
    // SAFETY: `code` and `message` are strings created in this env.
    status(
        unsafe { napi_create_error(env, code, message, &mut value) },
        "create_error",
    )?;
    Ok(value)
}

fn throw(env: napi_env, error: &Error) {
    let mut pending = false;
    // SAFETY: plain queries/throws on the current env.
    unsafe {
        if napi_is_exception_pending(env, &mut pending) == NAPI_OK && pending {
            return;
        }
        if let Ok(value) = js_error(env, error) {
            napi_throw(env, value);
        }
    }
}

/// What a JS function of this module calls: the handler, on behalf of the
/// environment that created the function. One per export and environment,
/// kept for the life of the process.
struct Export {
    handler: Handler,
    owner: u64,
}

/// The export attached to the function being called, and its argument.
fn call_args(env: napi_env, info: napi_callback_info) -> Result<(&'static Export, String)> {
    let mut argc = 1usize;
    let mut argv = [ptr::null_mut(); 1];
    let mut data = ptr::null_mut();
    // SAFETY: `argv` has room for `argc` values.
    status(
        unsafe {
            napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                &mut data,
            )
        },
        "get_cb_info",
    )?;
    // SAFETY: `data` is the leaked `Export` attached in `export`; it is never freed.
    let export = unsafe { &*(data as *const Export) };
    if argc < 1 {
        return Err(Error::new(
            ErrorCode::BadRequest,
            "expected one argument: a JSON request string",
        ));
    }
    Ok((export, rust_string(env, argv[0])?))
}

thread_local! {
    /// Where the last panic on this thread happened (set by our hook).
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics become JS errors, so the default hook's stderr report (which
/// would land in the host's terminal) is replaced by one that only records
/// the location. The hook belongs to this library's copy of `std`.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            PANIC_AT.with(|slot| *slot.borrow_mut() = at);
        }));
    });
}

/// Runs an export's handler as its owner, turning a panic into an error.
fn guarded(export: &Export, input: &str) -> Result<String> {
    PANIC_AT.with(|slot| slot.borrow_mut().take());
    let handler = export.handler;
    let run = || warm::as_owner(export.owner, || handler(input));
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let at = PANIC_AT.with(|slot| slot.borrow_mut().take());
        let at = at.map(|at| format!(" at {at}")).unwrap_or_default();
        Err(Error::new(
            ErrorCode::Panic,
            format!("internal error (panic{at}): {what}"),
        ))
    })
}

// ---- synchronous calls --------------------------------------------------------

/// Turns the outcome of an export (a value, an error, or a caught panic) into
/// its return value, throwing a JS exception for the last two.
unsafe fn settle(env: napi_env, outcome: std::thread::Result<Result<napi_value>>) -> napi_value {
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => {
            throw(env, &error);
            ptr::null_mut()
        }
        Err(_) => {
            throw(
                env,
                &Error::new(
                    ErrorCode::Panic,
                    "internal error (panic) at the Node-API boundary",
                ),
            );
            ptr::null_mut()
        }
    }
}

unsafe extern "C" fn call_sync(env: napi_env, info: napi_callback_info) -> napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (export, input) = call_args(env, info)?;
        let output = guarded(export, &input)?;
        js_string(env, &output)
    }));
    settle(env, outcome)
}

// ---- asynchronous calls -------------------------------------------------------

struct AsyncCall {
    export: &'static Export,
    input: String,
    output: Option<Result<String>>,
    deferred: napi_deferred,
    work: napi_async_work,
}

/// Runs on a worker thread: no Node-API calls allowed here.
unsafe extern "C" fn execute(_env: napi_env, data: *mut c_void) {
    // SAFETY: `data` is the `AsyncCall` boxed in `call_async`, which nobody
    // else touches until `complete` runs.
    let call = &mut *(data as *mut AsyncCall);
    call.output = Some(guarded(call.export, &call.input));
}

/// Back on the JavaScript thread: settle the promise, free the work.
unsafe extern "C" fn complete(env: napi_env, state: napi_status, data: *mut c_void) {
    // SAFETY: ownership of the box returns to us exactly once, here.
    let call = Box::from_raw(data as *mut AsyncCall);
    let _ = catch_unwind(AssertUnwindSafe(|| {
        napi_delete_async_work(env, call.work);
        let result = match (state, call.output) {
            (NAPI_CANCELLED, _) => Err(Error::new(ErrorCode::Io, "the call was cancelled")),
            (_, Some(result)) => result,
            (_, None) => Err(Error::new(ErrorCode::Panic, "the call did not run")),
        };
        match result.and_then(|out| js_string(env, &out)) {
            Ok(value) => {
                napi_resolve_deferred(env, call.deferred, value);
            }
            Err(error) => {
                if let Ok(value) = js_error(env, &error) {
                    napi_reject_deferred(env, call.deferred, value);
                }
            }
        }
    }));
}

unsafe extern "C" fn call_async(env: napi_env, info: napi_callback_info) -> napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<napi_value> {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        status(
            napi_create_promise(env, &mut deferred, &mut promise),
            "create_promise",
        )?;
        let (export, input) = match call_args(env, info) {
            Ok(args) => args,
            Err(error) => {
                napi_reject_deferred(env, deferred, js_error(env, &error)?);
                return Ok(promise);
            }
        };
        let call = Box::into_raw(Box::new(AsyncCall {
            export,
            input,
            output: None,
            deferred,
            work: ptr::null_mut(),
        }));
        let name = js_string(env, "opencode-analysis")?;
        let mut work = ptr::null_mut();
        let queued = status(
            napi_create_async_work(
                env,
                ptr::null_mut(),
                name,
                Some(execute),
                Some(complete),
                call.cast(),
                &mut work,
            ),
            "create_async_work",
        )
        .and_then(|()| {
            (*call).work = work;
            status(napi_queue_async_work(env, work), "queue_async_work")
        });
        if let Err(error) = queued {
            if !work.is_null() {
                napi_delete_async_work(env, work);
            }
            drop(Box::from_raw(call));
            napi_reject_deferred(env, deferred, js_error(env, &error)?);
        }
        Ok(promise)
    }));
    settle(env, outcome)
}

// ---- module registration ------------------------------------------------------

fn export(
    env: napi_env,
    exports: napi_value,
    name: &str,
    cb: napi_callback,
    target: &'static Export,
) -> Result<()> {
    let cname =
        CString::new(name).map_err(|_| Error::new(ErrorCode::Io, "export name contains NUL"))?;
    let mut function = ptr::null_mut();
    // SAFETY: `target` lives for the program's life; `call_args` turns the
    // pointer back into the same type.
    status(
        unsafe {
            napi_create_function(
                env,
                cname.as_ptr(),
                name.len(),
                cb,
                target as *const Export as *mut c_void,
                &mut function,
            )
        },
        "create_function",
    )?;
    // SAFETY: `exports` is the object the host passed to registration.
    status(
        unsafe { napi_set_named_property(env, exports, cname.as_ptr(), function) },
        "set_named_property",
    )
}

/// Owner ids of environments; 0 is "not called through Node-API".
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// Runs when an environment is torn down (process exit, worker end): its
/// language servers are killed.
unsafe extern "C" fn env_cleanup(arg: *mut c_void) {
    let owner = arg as usize as u64;
    let _ = catch_unwind(|| warm::close_all(Some(owner)));
}

/// Node-API entry point, looked up by the host when the `.node` file loads.
///
/// # Safety
/// Called by the host with a valid environment and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    let registered = catch_unwind(AssertUnwindSafe(|| -> Result<()> {
        install_panic_hook();
        let owner = NEXT_OWNER.fetch_add(1, Ordering::Relaxed);
        for &(name, handler) in EXPORTS {
            let target: &'static Export = Box::leak(Box::new(Export { handler, owner }));
            export(env, exports, name, Some(call_sync), target)?;
            export(
                env,
                exports,
                &format!("{name}Async"),
                Some(call_async),
                target,
            )?;
        }
        status(
            napi_add_env_cleanup_hook(env, Some(env_cleanup), owner as usize as *mut c_void),
            "add_env_cleanup_hook",
        )
    }));
    match registered {
        Ok(Ok(())) => {}
        Ok(Err(error)) => throw(env, &error),
        Err(_) => throw(
            env,
            &Error::new(
                ErrorCode::Panic,
                "internal error (panic) while registering the module",
            ),
        ),
    }
    exports
}

/// Tells the host which Node-API version the module was written for.
#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    NAPI_VERSION
}
