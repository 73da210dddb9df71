//! Code analysis with tree-sitter for opencode-orchestrator, built as a
//! Node-API addon (`.node`) and usable as a Rust library.
//!
//! Layers, bottom to top:
//! - `napi` (private): the hand-written Node-API boundary; the
//!   only `unsafe` code besides the grammar entry points in [`lang`] and
//!   `kill(2)` in [`lsp::client`]. Every `unsafe` block says why it is
//!   sound (`// SAFETY:`), and an `unsafe fn` body is no blanket licence.
//! - `api` (private): JSON request → JSON response for each export.
//! - analysis modules, which never see Node-API: [`outline`], [`check`],
//!   [`query`], [`imports`], [`repomap`] (with [`tags`], [`rank`] and
//!   [`discover`]), over [`lang`], [`source`], [`parse`], [`walk`] and
//!   [`parallel`]; [`panics`] turns a panic on any of their threads into an
//!   error for the caller.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod api;
pub mod check;
pub mod discover;
pub mod error;
pub mod imports;
pub mod lang;
pub mod lsp;
mod napi;
pub mod outline;
pub mod panics;
pub mod parallel;
pub mod parse;
pub mod query;
pub mod rank;
pub mod repomap;
pub mod source;
pub mod symbols;
pub mod tags;
pub mod walk;
