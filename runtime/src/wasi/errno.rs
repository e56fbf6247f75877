//! WASI errno values and the mapping from host errors.

/// A WASI preview 1 `errno` (the value every WASI function returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// `success`
    Success = 0,
    /// `2big`
    TooBig = 1,
    /// `acces`
    Acces = 2,
    /// `addrinuse`
    Addrinuse = 3,
    /// `addrnotavail`
    Addrnotavail = 4,
    /// `afnosupport`
    Afnosupport = 5,
    /// `again`
    Again = 6,
    /// `already`
    Already = 7,
    /// `badf`
    Badf = 8,
    /// `badmsg`
    Badmsg = 9,
    /// `busy`
    Busy = 10,
    /// `canceled`
    Canceled = 11,
    /// `child`
    Child = 12,
    /// `connaborted`
    Connaborted = 13,
    /// `connrefused`
    Connrefused = 14,
    /// `connreset`
    Connreset = 15,
    /// `deadlk`
    Deadlk = 16,
    /// `destaddrreq`
    Destaddrreq = 17,
    /// `dom`
    Dom = 18,
    /// `dquot`
    Dquot = 19,
    /// `exist`
    Exist = 20,
    /// `fault`
    Fault = 21,
    /// `fbig`
    Fbig = 22,
    /// `hostunreach`
    Hostunreach = 23,
    /// `idrm`
    Idrm = 24,
    /// `ilseq`
    Ilseq = 25,
    /// `inprogress`
    Inprogress = 26,
    /// `intr`
    Intr = 27,
    /// `inval`
    Inval = 28,
    /// `io`
    Io = 29,
    /// `isconn`
    Isconn = 30,
    /// `isdir`
    Isdir = 31,
    /// `loop`
    Loop = 32,
    /// `mfile`
    Mfile = 33,
    /// `mlink`
    Mlink = 34,
    /// `msgsize`
    Msgsize = 35,
    /// `multihop`
    Multihop = 36,
    /// `nametoolong`
    Nametoolong = 37,
    /// `netdown`
    Netdown = 38,
    /// `netreset`
    Netreset = 39,
    /// `netunreach`
    Netunreach = 40,
    /// `nfile`
    Nfile = 41,
    /// `nobufs`
    Nobufs = 42,
    /// `nodev`
    Nodev = 43,
    /// `noent`
    Noent = 44,
    /// `noexec`
    Noexec = 45,
    /// `nolck`
    Nolck = 46,
    /// `nolink`
    Nolink = 47,
    /// `nomem`
    Nomem = 48,
    /// `nomsg`
    Nomsg = 49,
    /// `noprotoopt`
    Noprotoopt = 50,
    /// `nospc`
    Nospc = 51,
    /// `nosys`
    Nosys = 52,
    /// `notconn`
    Notconn = 53,
    /// `notdir`
    Notdir = 54,
    /// `notempty`
    Notempty = 55,
    /// `notrecoverable`
    Notrecoverable = 56,
    /// `notsock`
    Notsock = 57,
    /// `notsup`
    Notsup = 58,
    /// `notty`
    Notty = 59,
    /// `nxio`
    Nxio = 60,
    /// `overflow`
    Overflow = 61,
    /// `ownerdead`
    Ownerdead = 62,
    /// `perm`
    Perm = 63,
    /// `pipe`
    Pipe = 64,
    /// `proto`
    Proto = 65,
    /// `protonosupport`
    Protonosupport = 66,
    /// `prototype`
    Prototype = 67,
    /// `range`
    Range = 68,
    /// `rofs`
    Rofs = 69,
    /// `spipe`
    Spipe = 70,
    /// `srch`
    Srch = 71,
    /// `stale`
    Stale = 72,
    /// `timedout`
    Timedout = 73,
    /// `txtbsy`
    Txtbsy = 74,
    /// `xdev`
    Xdev = 75,
    /// `notcapable`
    Notcapable = 76,
}

impl Errno {
    /// The numeric value.
    pub fn raw(self) -> u16 {
        self as u16
    }

    /// The WASI errno for a raw host (Linux) `errno` value; unknown values
    /// become `io`. `EWOULDBLOCK` equals `EAGAIN` and `ENOTSUP` equals
    /// `EOPNOTSUPP` on Linux, so both land on `again` and `notsup`.
    pub fn from_raw_os(e: i32) -> Errno {
        match e {
            0 => Errno::Success,
            libc::E2BIG => Errno::TooBig,
            libc::EACCES => Errno::Acces,
            libc::EADDRINUSE => Errno::Addrinuse,
            libc::EADDRNOTAVAIL => Errno::Addrnotavail,
            libc::EAFNOSUPPORT => Errno::Afnosupport,
            libc::EAGAIN => Errno::Again,
            libc::EALREADY => Errno::Already,
            libc::EBADF => Errno::Badf,
            libc::EBADMSG => Errno::Badmsg,
            libc::EBUSY => Errno::Busy,
            libc::ECANCELED => Errno::Canceled,
            libc::ECHILD => Errno::Child,
            libc::ECONNABORTED => Errno::Connaborted,
            libc::ECONNREFUSED => Errno::Connrefused,
            libc::ECONNRESET => Errno::Connreset,
            libc::EDEADLK => Errno::Deadlk,
            libc::EDESTADDRREQ => Errno::Destaddrreq,
            libc::EDOM => Errno::Dom,
            libc::EDQUOT => Errno::Dquot,
            libc::EEXIST => Errno::Exist,
            libc::EFAULT => Errno::Fault,
            libc::EFBIG => Errno::Fbig,
            libc::EHOSTUNREACH => Errno::Hostunreach,
            libc::EIDRM => Errno::Idrm,
            libc::EILSEQ => Errno::Ilseq,
            libc::EINPROGRESS => Errno::Inprogress,
            libc::EINTR => Errno::Intr,
            libc::EINVAL => Errno::Inval,
            libc::EIO => Errno::Io,
            libc::EISCONN => Errno::Isconn,
            libc::EISDIR => Errno::Isdir,
            libc::ELOOP => Errno::Loop,
            libc::EMFILE => Errno::Mfile,
            libc::EMLINK => Errno::Mlink,
            libc::EMSGSIZE => Errno::Msgsize,
            libc::EMULTIHOP => Errno::Multihop,
            libc::ENAMETOOLONG => Errno::Nametoolong,
            libc::ENETDOWN => Errno::Netdown,
            libc::ENETRESET => Errno::Netreset,
            libc::ENETUNREACH => Errno::Netunreach,
            libc::ENFILE => Errno::Nfile,
            libc::ENOBUFS => Errno::Nobufs,
            libc::ENODEV => Errno::Nodev,
            libc::ENOENT => Errno::Noent,
            libc::ENOEXEC => Errno::Noexec,
            libc::ENOLCK => Errno::Nolck,
            libc::ENOLINK => Errno::Nolink,
            libc::ENOMEM => Errno::Nomem,
            libc::ENOMSG => Errno::Nomsg,
            libc::ENOPROTOOPT => Errno::Noprotoopt,
            libc::ENOSPC => Errno::Nospc,
            libc::ENOSYS => Errno::Nosys,
            libc::ENOTCONN => Errno::Notconn,
            libc::ENOTDIR => Errno::Notdir,
            libc::ENOTEMPTY => Errno::Notempty,
            libc::ENOTRECOVERABLE => Errno::Notrecoverable,
            libc::ENOTSOCK => Errno::Notsock,
            libc::EOPNOTSUPP => Errno::Notsup,
            libc::ENOTTY => Errno::Notty,
            libc::ENXIO => Errno::Nxio,
            libc::EOVERFLOW => Errno::Overflow,
            libc::EOWNERDEAD => Errno::Ownerdead,
            libc::EPERM => Errno::Perm,
            libc::EPIPE => Errno::Pipe,
            libc::EPROTO => Errno::Proto,
            libc::EPROTONOSUPPORT => Errno::Protonosupport,
            libc::EPROTOTYPE => Errno::Prototype,
            libc::ERANGE => Errno::Range,
            libc::EROFS => Errno::Rofs,
            libc::ESPIPE => Errno::Spipe,
            libc::ESRCH => Errno::Srch,
            libc::ESTALE => Errno::Stale,
            libc::ETIMEDOUT => Errno::Timedout,
            libc::ETXTBSY => Errno::Txtbsy,
            libc::EXDEV => Errno::Xdev,
            _ => Errno::Io,
        }
    }

    /// The errno of the calling thread's last host error.
    pub(crate) fn last_os() -> Errno {
        Errno::from_raw_os(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        if let Some(raw) = e.raw_os_error() {
            return Errno::from_raw_os(raw);
        }
        use std::io::ErrorKind as K;
        match e.kind() {
            K::NotFound => Errno::Noent,
            K::PermissionDenied => Errno::Acces,
            K::AlreadyExists => Errno::Exist,
            K::WouldBlock => Errno::Again,
            K::InvalidInput => Errno::Inval,
            K::InvalidData => Errno::Ilseq,
            K::Interrupted => Errno::Intr,
            K::Unsupported => Errno::Notsup,
            K::OutOfMemory => Errno::Nomem,
            K::BrokenPipe => Errno::Pipe,
            K::UnexpectedEof => Errno::Io,
            _ => Errno::Io,
        }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({})", self, self.raw())
    }
}
