//! The Node-API boundary: the only module that touches a handle or a raw
//! pointer of the host.
//!
//! - `sys`: the raw declarations of the few Node-API functions we need;
//! - `env`: safe, lifetime-bound handles over them ([`env::Env`]), which
//!   check every status;
//! - `call`: the sync and async trampolines and how a promise is settled;
//! - this file: registration of the exports listed once in
//!   [`crate::api::EXPORTS`].
//!
//! Every export takes one JSON request string and answers one JSON string
//! (see `api.rs`); it is exported synchronously (`name`) or, when it may
//! take long, only asynchronously (`nameAsync`, run on the host's worker
//! pool, returning a Promise). A returned error or a panic becomes a
//! JavaScript `Error` with a `code` property; nothing unwinds across the C
//! boundary.
//!
//! Each environment that loads the module (the main thread, a worker) gets
//! an owner id: calls run as that owner (`lsp::warm::as_owner`), and an env
//! cleanup hook kills the language servers it started when it is torn down.

mod call;
mod env;
#[cfg(test)]
mod fake_host;
mod sys;
#[cfg(test)]
mod tests;

use crate::api::{Mode, EXPORTS};
use crate::error::{Error, ErrorCode, Result};
use crate::lsp::warm;
use crate::panics;
use call::Target;
use env::{Env, Value};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use sys::{napi_env, napi_value};

/// The Node-API version this module needs (async work and promises: 1;
/// env cleanup hooks: 3).
const NAPI_VERSION: i32 = 8;

/// Owner ids of environments; 0 is "not called through Node-API".
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// Runs when an environment is torn down (process exit, worker end): its
/// language servers are killed.
///
/// # Safety
/// Sound for any `arg`: it is only read as a number (the owner id).
unsafe extern "C" fn env_cleanup(arg: *mut c_void) {
    let owner = arg as usize as u64;
    let _ = catch_unwind(|| warm::close_all(Some(owner)));
}

/// Sets every export of [`EXPORTS`] on `exports`, for a new owner.
fn register(env: Env, exports: Value) -> Result<()> {
    panics::install_hook();
    let owner = NEXT_OWNER.fetch_add(1, Ordering::Relaxed);
    for export in EXPORTS {
        let target: &'static Target = Box::leak(Box::new(Target {
            handler: export.handler,
            owner,
        }));
        let name = export.js_name();
        let function = call::function(env, &name, export.mode == Mode::Async, target)?;
        env.set_property(exports, &name, function)?;
    }
    // SAFETY: `env_cleanup` only reads its argument as a number.
    unsafe { env.add_cleanup_hook(env_cleanup, owner as usize as *mut c_void) }
}

/// Node-API entry point, looked up by the host when the `.node` file loads.
///
/// # Safety
/// Called by the host with a valid environment and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(
    raw_env: napi_env,
    raw_exports: napi_value,
) -> napi_value {
    // SAFETY: the host passes the env and exports object of the call running
    // now, on its JavaScript thread.
    let (env, exports) = unsafe { (Env::from_raw(raw_env), Value::from_raw(raw_exports)) };
    let error = match catch_unwind(AssertUnwindSafe(|| register(env, exports))) {
        Ok(Ok(())) => return raw_exports,
        Ok(Err(error)) => error,
        Err(_) => Error::new(
            ErrorCode::Panic,
            "internal error (panic) while registering the module",
        ),
    };
    let _ = env.throw(&error);
    raw_exports
}

/// Tells the host which Node-API version the module was written for.
#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    NAPI_VERSION
}
