//! The WASI context: arguments, environment, standard streams, preopened
//! directories and the descriptor table with per-descriptor rights.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

use super::errno::Errno;
use super::mem::WResult;
use crate::error::{Error, Result};

/// WASI `rights` bits.
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right.
    pub const ALL: u64 = (1 << 30) - 1;
    /// The rights that make sense on a regular file.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
    /// The rights that make sense on a directory.
    pub const DIR: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | POLL_FD_READWRITE;
    /// Standard input (a character device: no seek or tell, so wasi-libc
    /// sees a tty).
    pub const STDIN: u64 = FD_READ | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// Standard output and error.
    pub const STDOUT: u64 = FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | FD_DATASYNC
        | FD_SYNC
        | POLL_FD_READWRITE;
}

/// Where a guest's standard input comes from.
pub(crate) enum Input {
    /// Always at end of file.
    Null,
    /// The host process's standard input.
    Inherit,
    /// Fixed bytes, read from the front.
    Bytes { data: Vec<u8>, pos: usize },
}

/// Where a guest's standard output or error goes.
pub(crate) enum Output {
    /// Discarded.
    Null,
    /// The host's descriptor (1 or 2).
    Inherit(RawFd),
    /// Kept in memory for the embedder ([`WasiCtx::stdout`]).
    Capture(Vec<u8>),
}

/// What a descriptor refers to.
pub(crate) enum Kind {
    Stdin(Input),
    Stdout(Output),
    File(OwnedFd),
    Dir {
        fd: OwnedFd,
        /// The guest path of a preopened directory.
        preopen: Option<String>,
    },
}

/// One entry of the descriptor table.
pub(crate) struct FdEntry {
    pub(crate) kind: Kind,
    pub(crate) base: u64,
    pub(crate) inheriting: u64,
}

impl FdEntry {
    /// The host descriptor of a file or directory.
    pub(crate) fn host_fd(&self) -> Option<RawFd> {
        match &self.kind {
            Kind::File(fd) | Kind::Dir { fd, .. } => Some(fd.as_raw_fd()),
            _ => None,
        }
    }
}

/// The state of one WASI guest: put it in the store's data and give
/// [`super::add_to_linker`] a way to reach it.
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: BTreeMap<u32, FdEntry>,
    /// The exit code once the guest called `proc_exit`.
    pub(crate) exit_code: Option<i32>,
}

impl WasiCtx {
    /// A builder.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// What the guest wrote to a captured standard output (empty otherwise,
    /// or after the guest closed it).
    pub fn stdout(&self) -> &[u8] {
        self.captured(1)
    }

    /// What the guest wrote to a captured standard error.
    pub fn stderr(&self) -> &[u8] {
        self.captured(2)
    }

    fn captured(&self, fd: u32) -> &[u8] {
        match self.fds.get(&fd).map(|e| &e.kind) {
            Some(Kind::Stdout(Output::Capture(v))) => v,
            _ => &[],
        }
    }

    /// The code the guest passed to `proc_exit`, if it did.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// The entry of `fd`, which must have all of `required` rights
    /// (`badf` when there is no such descriptor, `notcapable` when a right
    /// is missing).
    pub(crate) fn get(&mut self, fd: u32, required: u64) -> WResult<&mut FdEntry> {
        let e = self.fds.get_mut(&fd).ok_or(Errno::Badf)?;
        if e.base & required != required {
            return Err(Errno::Notcapable);
        }
        Ok(e)
    }

    /// The host descriptor of directory `fd` (`notdir` for another kind).
    pub(crate) fn dir_fd(&mut self, fd: u32, required: u64) -> WResult<RawFd> {
        let e = self.fds.get(&fd).ok_or(Errno::Badf)?;
        let Kind::Dir { fd: dfd, .. } = &e.kind else {
            return Err(Errno::Notdir);
        };
        if e.base & required != required {
            return Err(Errno::Notcapable);
        }
        Ok(dfd.as_raw_fd())
    }

    /// Adds `entry` at the lowest free descriptor number.
    pub(crate) fn insert(&mut self, entry: FdEntry) -> WResult<u32> {
        let mut n = 0u32;
        for &k in self.fds.keys() {
            if k != n {
                break;
            }
            n = n.checked_add(1).ok_or(Errno::Mfile)?;
        }
        self.fds.insert(n, entry);
        Ok(n)
    }
}

/// Builds a [`WasiCtx`]. Nothing on the host is reachable unless granted
/// here: by default there are no arguments, no environment, an empty
/// standard input, discarded output and no preopened directories.
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    preopens: Vec<(OwnedFd, String)>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// A builder that grants nothing.
    pub fn new() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Input::Null,
            stdout: Output::Null,
            stderr: Output::Null,
            preopens: Vec::new(),
        }
    }

    /// Appends one argument (the first is the program name by convention).
    pub fn arg(mut self, arg: impl AsRef<str>) -> Self {
        self.args.push(arg.as_ref().as_bytes().to_vec());
        self
    }

    /// Appends arguments.
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Adds one environment variable.
    pub fn env(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.env
            .push(format!("{}={}", key.as_ref(), value.as_ref()).into_bytes());
        self
    }

    /// Adds environment variables.
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    /// Gives the guest the host's standard input, output and error.
    pub fn inherit_stdio(self) -> Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }
    /// Gives the guest the host's standard input.
    pub fn inherit_stdin(mut self) -> Self {
        self.stdin = Input::Inherit;
        self
    }
    /// Gives the guest the host's standard output.
    pub fn inherit_stdout(mut self) -> Self {
        self.stdout = Output::Inherit(1);
        self
    }
    /// Gives the guest the host's standard error.
    pub fn inherit_stderr(mut self) -> Self {
        self.stderr = Output::Inherit(2);
        self
    }
    /// Keeps standard output in memory ([`WasiCtx::stdout`]).
    pub fn capture_stdout(mut self) -> Self {
        self.stdout = Output::Capture(Vec::new());
        self
    }
    /// Keeps standard error in memory ([`WasiCtx::stderr`]).
    pub fn capture_stderr(mut self) -> Self {
        self.stderr = Output::Capture(Vec::new());
        self
    }
    /// Standard input reads `bytes`, then end of file.
    pub fn stdin_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Input::Bytes {
            data: bytes.into(),
            pos: 0,
        };
        self
    }

    /// Grants the guest the host directory `host_path` (and everything
    /// beneath it, nothing above) under the name `guest_path`.
    pub fn preopened_dir(
        mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
    ) -> Result<Self> {
        let host_path = host_path.as_ref();
        let file = std::fs::File::open(host_path).map_err(|e| {
            Error::new(
                crate::ErrorKind::Io,
                format!("cannot open {}: {e}", host_path.display()),
            )
        })?;
        if !file.metadata()?.is_dir() {
            return Err(Error::new(
                crate::ErrorKind::Io,
                format!("{} is not a directory", host_path.display()),
            ));
        }
        self.preopens
            .push((OwnedFd::from(file), guest_path.as_ref().to_string()));
        Ok(self)
    }

    /// The context: descriptors 0, 1 and 2 are the standard streams, the
    /// preopened directories follow from 3 in the order they were added.
    pub fn build(self) -> WasiCtx {
        let mut fds = BTreeMap::new();
        fds.insert(
            0,
            FdEntry {
                kind: Kind::Stdin(self.stdin),
                base: rights::STDIN,
                inheriting: 0,
            },
        );
        fds.insert(
            1,
            FdEntry {
                kind: Kind::Stdout(self.stdout),
                base: rights::STDOUT,
                inheriting: 0,
            },
        );
        fds.insert(
            2,
            FdEntry {
                kind: Kind::Stdout(self.stderr),
                base: rights::STDOUT,
                inheriting: 0,
            },
        );
        for (i, (fd, name)) in self.preopens.into_iter().enumerate() {
            fds.insert(
                3 + i as u32,
                FdEntry {
                    kind: Kind::Dir {
                        fd,
                        preopen: Some(name),
                    },
                    base: rights::DIR,
                    inheriting: rights::ALL,
                },
            );
        }
        WasiCtx {
            args: self.args,
            env: self.env,
            fds,
            exit_code: None,
        }
    }
}
