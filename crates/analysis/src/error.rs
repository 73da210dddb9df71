//! The one error type of the crate: a stable code for callers to branch on and
//! a message for people. The Node-API layer turns it into a JavaScript `Error`
//! whose `code` property is [`ErrorCode::as_str`].

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The request JSON is malformed or has wrong field types.
    BadRequest,
    /// A path resolves outside the root it must stay in.
    OutsideRoot,
    /// A tree-sitter query does not compile.
    BadQuery,
    /// A language name is not one we know.
    UnknownLanguage,
    /// The file system said no (root missing, unreadable directory, ...).
    Io,
    /// Analysis code panicked; the panic was caught and reported (see
    /// `panics`).
    Panic,
    /// The host's Node-API failed a call, or cancelled queued work: not a
    /// problem of the request.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "E_BAD_REQUEST",
            ErrorCode::OutsideRoot => "E_OUTSIDE_ROOT",
            ErrorCode::BadQuery => "E_BAD_QUERY",
            ErrorCode::UnknownLanguage => "E_UNKNOWN_LANGUAGE",
            ErrorCode::Io => "E_IO",
            ErrorCode::Panic => "E_PANIC",
            ErrorCode::Internal => "E_INTERNAL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
