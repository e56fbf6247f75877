//! Errors and traps.

use std::fmt;

pub use strata_ir::TrapCode;

/// What kind of error an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A malformed or invalid module (the message names the byte offset).
    Invalid,
    /// A feature strata does not support (yet).
    Unsupported,
    /// Linking failed: an unknown import or an import of the wrong type.
    Link,
    /// Wasm code trapped (see [`Error::as_trap`]).
    Trap,
    /// A host function failed.
    Host,
    /// An I/O error.
    Io,
    /// Host misuse of the API or an internal failure.
    Other,
    /// The guest asked to exit (WASI `proc_exit`): not a failure in itself;
    /// [`Error::exit_code`] gives the code.
    Exit,
}

/// One frame of a Wasm backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function index in its module.
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub func_name: Option<String>,
    /// The byte offset of the instruction in the module.
    pub module_offset: Option<usize>,
}

/// A Wasm trap: its code, message and backtrace.
#[derive(Clone, Debug)]
pub struct Trap {
    code: Option<TrapCode>,
    message: String,
    backtrace: Vec<FrameInfo>,
}

impl Trap {
    pub(crate) fn new(code: Option<TrapCode>, message: String, backtrace: Vec<FrameInfo>) -> Self {
        Trap {
            code,
            message,
            backtrace,
        }
    }
    /// The trap code (`None` for a trap raised by host code).
    pub fn code(&self) -> Option<TrapCode> {
        self.code
    }
    /// The message (the spec's wording for Wasm traps).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Wasm frames, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, fr) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i}: func {}", fr.func_index)?;
                if let Some(n) = &fr.func_name {
                    write!(f, " ({n})")?;
                }
                if let Some(o) = fr.module_offset {
                    write!(f, " @ {o:#x}")?;
                }
            }
        }
        Ok(())
    }
}

/// An error of the embedding API.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    trap: Option<Box<Trap>>,
    exit_code: Option<i32>,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            trap: None,
            exit_code: None,
        }
    }
    /// The error a host function returns to end the run with exit `code`
    /// (WASI `proc_exit`): it unwinds through the Wasm frames like a trap,
    /// so no more Wasm code runs.
    pub fn exit(code: i32) -> Self {
        Error {
            kind: ErrorKind::Exit,
            message: format!("exited with code {code}"),
            trap: None,
            exit_code: Some(code),
        }
    }
    /// The exit code, if this error is a requested exit (see [`Error::exit`]).
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }
    /// A host-function error with `message` (becomes a trap of the caller).
    pub fn msg(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Host, message)
    }
    pub(crate) fn trap(trap: Trap) -> Self {
        Error {
            kind: ErrorKind::Trap,
            message: trap.message.clone(),
            trap: Some(Box::new(trap)),
            exit_code: None,
        }
    }
    pub(crate) fn link(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Link, message)
    }
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Other, message)
    }
    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The message, without backtrace.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        self.trap.as_deref()
    }
    /// Adds a backtrace to a host error that unwound through Wasm frames.
    pub(crate) fn with_backtrace(mut self, backtrace: Vec<FrameInfo>) -> Self {
        if self.trap.is_none() && !backtrace.is_empty() {
            self.trap = Some(Box::new(Trap::new(None, self.message.clone(), backtrace)));
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.trap {
            Some(t) => write!(f, "{t}"),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl From<strata_frontend::module::WasmError> for Error {
    fn from(e: strata_frontend::module::WasmError) -> Self {
        let kind = if e.message.starts_with("unsupported") {
            ErrorKind::Unsupported
        } else {
            ErrorKind::Invalid
        };
        Error::new(kind, e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, e.to_string())
    }
}

/// The result type of the embedding API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The message of a caught panic (`&str` or `String` payload), if any.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}
