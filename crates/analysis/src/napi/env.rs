//! Safe handles over the raw Node-API ([`super::sys`]). An [`Env`] is the
//! environment of the callback running now, and every [`Value`] made through
//! it carries that call's lifetime `'a`, so no handle outlives the handle
//! scope the host opened for the call. Every method checks the status the
//! host returns; a failure is an [`ErrorCode::Internal`] error.
//!
//! The `unsafe` functions here are the entry points from raw pointers
//! ([`Env::from_raw`], [`Value::from_raw`], [`CallInfo::from_raw`]) and the
//! calls that hand the host a data pointer for a callback to use later
//! ([`Env::create_function`], [`Env::create_async_work`],
//! [`Env::add_cleanup_hook`]).

use super::sys::{self, napi_callback_info, napi_env, napi_status, napi_value};
use crate::error::{Error, ErrorCode, Result};
use std::ffi::{c_void, CString};
use std::marker::PhantomData;
use std::ptr;

/// A function the host calls for JavaScript (see [`Env::create_function`]).
pub type Callback = unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value;
/// Runs on a worker thread of the host (see [`Env::create_async_work`]).
pub type Execute = unsafe extern "C" fn(napi_env, *mut c_void);
/// Runs back on the JavaScript thread once the work ran or was cancelled.
pub type Complete = unsafe extern "C" fn(napi_env, napi_status, *mut c_void);
/// Runs when an environment is torn down (see [`Env::add_cleanup_hook`]).
pub type CleanupHook = unsafe extern "C" fn(*mut c_void);

fn check(status: napi_status, what: &str) -> Result<()> {
    if status == sys::NAPI_OK {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::Internal,
            format!("Node-API {what} failed (status {status})"),
        ))
    }
}

/// The environment of the Node-API callback running now; `'a` is that call.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    raw: napi_env,
    call: PhantomData<&'a ()>,
}

/// A JavaScript value handle, valid during the call `'a`.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    raw: napi_value,
    call: PhantomData<&'a ()>,
}

impl<'a> Value<'a> {
    /// # Safety
    /// `raw` is a value handle the host passed to the callback running now,
    /// and the `Value` is not used after that callback returns.
    pub unsafe fn from_raw(raw: napi_value) -> Self {
        Value {
            raw,
            call: PhantomData,
        }
    }

    /// The handle, to return it to the host from the callback.
    pub fn into_raw(self) -> napi_value {
        self.raw
    }
}

/// The resolver of one promise, made by [`Env::promise`]. The host frees it
/// when it settles the promise: settle it exactly once
/// ([`Env::resolve`]/[`Env::reject`] hand it back when they fail).
#[must_use = "a promise whose deferred is dropped never settles"]
pub struct Deferred(sys::napi_deferred);

/// Work queued on the host's worker pool, made by [`Env::create_async_work`];
/// delete it exactly once, when it completed or could not be queued.
#[must_use = "async work that is never deleted leaks in the host"]
pub struct AsyncWork(sys::napi_async_work);

/// The arguments of a call of a function made by [`Env::create_function`].
pub struct CallInfo<'a> {
    env: Env<'a>,
    raw: napi_callback_info,
}

impl<'a> CallInfo<'a> {
    /// # Safety
    /// `raw` is the callback info the host passed, with `env`, to the
    /// callback running now.
    pub unsafe fn from_raw(env: Env<'a>, raw: napi_callback_info) -> Self {
        CallInfo { env, raw }
    }

    pub fn env(&self) -> Env<'a> {
        self.env
    }

    /// The first argument (`None` when there is none) and the data pointer
    /// given to [`Env::create_function`].
    pub fn first_arg(&self) -> Result<(Option<Value<'a>>, *mut c_void)> {
        let mut argc = 1usize;
        let mut argv = [ptr::null_mut(); 1];
        let mut data = ptr::null_mut();
        check(
            // SAFETY: env and info belong to the running callback (`from_raw`);
            // `argv` has room for the `argc` (1) handles the host may write.
            unsafe {
                sys::napi_get_cb_info(
                    self.env.raw,
                    self.raw,
                    &mut argc,
                    argv.as_mut_ptr(),
                    ptr::null_mut(),
                    &mut data,
                )
            },
            "get_cb_info",
        )?;
        let first = (argc >= 1).then(|| self.env.value(argv[0]));
        Ok((first, data))
    }
}

impl<'a> Env<'a> {
    /// # Safety
    /// `raw` is the environment the host passed to the callback running now
    /// on this thread, and the `Env` is not used after that callback returns.
    pub unsafe fn from_raw(raw: napi_env) -> Self {
        Env {
            raw,
            call: PhantomData,
        }
    }

    /// A handle the host just returned for this call.
    fn value(self, raw: napi_value) -> Value<'a> {
        Value {
            raw,
            call: PhantomData,
        }
    }

    pub fn string(self, s: &str) -> Result<Value<'a>> {
        let mut value = ptr::null_mut();
        check(
            // SAFETY: `self.raw` is the running callback's env (`from_raw`); the
            // pointer and length describe the UTF-8 bytes of `s`, which the host
            // copies before returning.
            unsafe {
                sys::napi_create_string_utf8(self.raw, s.as_ptr().cast(), s.len(), &mut value)
            },
            "create_string_utf8",
        )?;
        Ok(self.value(value))
    }

    pub fn undefined(self) -> Result<Value<'a>> {
        let mut value = ptr::null_mut();
        check(
            // SAFETY: the running callback's env; `value` is a valid out-pointer.
            unsafe { sys::napi_get_undefined(self.raw, &mut value) },
            "get_undefined",
        )?;
        Ok(self.value(value))
    }

    /// The text of a JavaScript string; a request error for anything else.
    pub fn read_string(self, value: Value<'a>) -> Result<String> {
        let mut kind = 0;
        check(
            // SAFETY: `value` is a handle of this call (its lifetime says so).
            unsafe { sys::napi_typeof(self.raw, value.raw, &mut kind) },
            "typeof",
        )?;
        if kind != sys::NAPI_STRING {
            return Err(Error::new(
                ErrorCode::BadRequest,
                "expected one argument: a JSON request string",
            ));
        }
        let mut len = 0;
        check(
            // SAFETY: a string handle of this call; a null buffer asks only for
            // the length in bytes.
            unsafe {
                sys::napi_get_value_string_utf8(self.raw, value.raw, ptr::null_mut(), 0, &mut len)
            },
            "get_value_string_utf8",
        )?;
        let mut buf = vec![0u8; len + 1];
        let mut written = 0;
        check(
            // SAFETY: `buf` has room for `len` bytes and the terminating NUL,
            // and its length is what the host is told.
            unsafe {
                sys::napi_get_value_string_utf8(
                    self.raw,
                    value.raw,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut written,
                )
            },
            "get_value_string_utf8",
        )?;
        buf.truncate(written);
        String::from_utf8(buf)
            .map_err(|_| Error::new(ErrorCode::BadRequest, "argument is not valid UTF-8"))
    }

    /// A JavaScript `Error` with `error`'s message and its code as `code`.
    pub fn error(self, error: &Error) -> Result<Value<'a>> {
        let code = self.string(error.code.as_str())?;
        let message = self.string(&error.message)?;
        let mut value = ptr::null_mut();
        check(
            // SAFETY: `code` and `message` are string handles of this call.
            unsafe { sys::napi_create_error(self.raw, code.raw, message.raw, &mut value) },
            "create_error",
        )?;
        Ok(self.value(value))
    }

    /// Throws `error` unless an exception is already pending.
    pub fn throw(self, error: &Error) -> Result<()> {
        let mut pending = false;
        check(
            // SAFETY: the running callback's env; `pending` is a valid out-pointer.
            unsafe { sys::napi_is_exception_pending(self.raw, &mut pending) },
            "is_exception_pending",
        )?;
        if pending {
            return Ok(());
        }
        let value = self.error(error)?;
        // SAFETY: `value` is an error handle of this call.
        check(unsafe { sys::napi_throw(self.raw, value.raw) }, "throw")
    }

    /// A new promise and its resolver.
    pub fn promise(self) -> Result<(Deferred, Value<'a>)> {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        check(
            // SAFETY: the running callback's env; both are valid out-pointers.
            unsafe { sys::napi_create_promise(self.raw, &mut deferred, &mut promise) },
            "create_promise",
        )?;
        Ok((Deferred(deferred), self.value(promise)))
    }

    /// Resolves the promise; on failure the resolver is handed back (the host
    /// frees it only on success) with the error.
    pub fn resolve(
        self,
        deferred: Deferred,
        value: Value<'a>,
    ) -> std::result::Result<(), (Deferred, Error)> {
        // SAFETY: `deferred` came from `promise` and was not settled: it is
        // taken by value and only handed back when the host did not take it.
        let status = unsafe { sys::napi_resolve_deferred(self.raw, deferred.0, value.raw) };
        check(status, "resolve_deferred").map_err(|e| (deferred, e))
    }

    /// Rejects the promise; see [`Env::resolve`].
    pub fn reject(
        self,
        deferred: Deferred,
        value: Value<'a>,
    ) -> std::result::Result<(), (Deferred, Error)> {
        // SAFETY: as in `resolve`.
        let status = unsafe { sys::napi_reject_deferred(self.raw, deferred.0, value.raw) };
        check(status, "reject_deferred").map_err(|e| (deferred, e))
    }

    pub fn set_property(self, object: Value<'a>, name: &str, value: Value<'a>) -> Result<()> {
        let name = CString::new(name)
            .map_err(|_| Error::new(ErrorCode::Internal, "property name contains NUL"))?;
        check(
            // SAFETY: handles of this call and a NUL-terminated name that
            // outlives the call.
            unsafe { sys::napi_set_named_property(self.raw, object.raw, name.as_ptr(), value.raw) },
            "set_named_property",
        )
    }

    /// A JavaScript function that runs `callback`, which can get `data` back
    /// from its [`CallInfo`].
    ///
    /// # Safety
    /// `callback` must be sound to call by the host with any call's info
    /// whose data pointer is `data`, for as long as the function exists.
    pub unsafe fn create_function(
        self,
        name: &str,
        callback: Callback,
        data: *mut c_void,
    ) -> Result<Value<'a>> {
        let cname = CString::new(name)
            .map_err(|_| Error::new(ErrorCode::Internal, "function name contains NUL"))?;
        let mut function = ptr::null_mut();
        check(
            // SAFETY: the running callback's env, a NUL-terminated name of
            // `name.len()` bytes; pairing `callback` with `data` is the caller's
            // promise (this function's contract).
            unsafe {
                sys::napi_create_function(
                    self.raw,
                    cname.as_ptr(),
                    name.len(),
                    Some(callback),
                    data,
                    &mut function,
                )
            },
            "create_function",
        )?;
        Ok(self.value(function))
    }

    /// Work that runs `execute` on a worker thread of the host, then
    /// `complete` on this environment's JavaScript thread, both with `data`.
    ///
    /// # Safety
    /// `data` must be valid for `execute` and `complete` until `complete`
    /// has run; if the work is deleted without having been queued, neither
    /// runs.
    pub unsafe fn create_async_work(
        self,
        name: Value<'a>,
        execute: Execute,
        complete: Complete,
        data: *mut c_void,
    ) -> Result<AsyncWork> {
        let mut work = ptr::null_mut();
        check(
            // SAFETY: the running callback's env and a string handle of this
            // call; the validity of `data` for the callbacks is the caller's
            // promise (this function's contract).
            unsafe {
                sys::napi_create_async_work(
                    self.raw,
                    ptr::null_mut(),
                    name.raw,
                    Some(execute),
                    Some(complete),
                    data,
                    &mut work,
                )
            },
            "create_async_work",
        )?;
        Ok(AsyncWork(work))
    }

    /// Hands the work to the host's worker pool. On failure it was not
    /// queued: its callbacks will not run.
    pub fn queue(self, work: &AsyncWork) -> Result<()> {
        check(
            // SAFETY: `work` was made by `create_async_work` and not deleted
            // (deleting takes it by value).
            unsafe { sys::napi_queue_async_work(self.raw, work.0) },
            "queue_async_work",
        )
    }

    pub fn delete_async_work(self, work: AsyncWork) -> Result<()> {
        check(
            // SAFETY: as in `queue`; taken by value, so it is deleted once.
            unsafe { sys::napi_delete_async_work(self.raw, work.0) },
            "delete_async_work",
        )
    }

    /// Runs `hook(arg)` when this environment is torn down.
    ///
    /// # Safety
    /// `hook` must be sound to call with `arg` at that time.
    pub unsafe fn add_cleanup_hook(self, hook: CleanupHook, arg: *mut c_void) -> Result<()> {
        check(
            // SAFETY: the running callback's env; the hook's soundness with
            // `arg` is the caller's promise (this function's contract).
            unsafe { sys::napi_add_env_cleanup_hook(self.raw, Some(hook), arg) },
            "add_env_cleanup_hook",
        )
    }
}
