//! Panics turned into [`Error`]s with code [`ErrorCode::Panic`], wherever
//! they happen: on the JavaScript thread or a worker of the host (the
//! Node-API boundary), on a parallel parser thread ([`crate::parallel`]) or on
//! a language server's helper threads ([`crate::lsp::client`]). A panic is
//! reported to whoever called, never lost on the thread it happened on.
//!
//! The addon replaces the default panic hook ([`install_hook`]): the default
//! one prints into the host's terminal. Ours records where the panic happened,
//! per thread, and [`catch`] puts that in the error message.

use crate::error::{Error, ErrorCode, Result};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Where the last panic on this thread happened (set by our hook).
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the process's panic hook with one that only records the panic's
/// location (the hook belongs to this library's copy of `std`). Idempotent.
pub fn install_hook() {
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

/// Runs `f`; a panic in it becomes an [`ErrorCode::Panic`] error that says
/// what panicked (`what`, e.g. "a parser thread"), where, and with which
/// message.
pub fn catch<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    PANIC_AT.with(|slot| slot.borrow_mut().take());
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(error(what, payload.as_ref())))
}

/// The error for a caught panic `payload` on this thread.
pub fn error(what: &str, payload: &(dyn Any + Send)) -> Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    let at = PANIC_AT.with(|slot| slot.borrow_mut().take());
    let at = at.map(|at| format!(" at {at}")).unwrap_or_default();
    Error::new(
        ErrorCode::Panic,
        format!("internal error (panic{at} in {what}): {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_place_and_message() {
        install_hook();
        let result: Result<()> = catch("a test", || panic!("boom {}", 7));
        let error = result.unwrap_err();
        assert_eq!(error.code, ErrorCode::Panic);
        assert!(
            error
                .message
                .starts_with("internal error (panic at src/panics.rs:"),
            "{}",
            error.message
        );
        assert!(
            error.message.ends_with(" in a test): boom 7"),
            "{}",
            error.message
        );
        assert_eq!(catch("a test", || Ok(3)).unwrap(), 3);
    }
}
