//! Sandboxed path resolution beneath a directory descriptor.
//!
//! Guest paths are resolved with Linux `openat2(2)` and
//! `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: the kernel refuses absolute
//! paths, `..` past the starting directory and symbolic links (anywhere in
//! the path) that lead outside it. Such escapes report WASI `perm` (63), as
//! wasmtime does (cap-std's "a path led outside of the filesystem" is a
//! `PermissionDenied`, which wasmtime maps to `perm`); the host never sees
//! the escaping access. Kernels without `openat2` (`ENOSYS`, before 5.6) get
//! a component-by-component walk with `O_NOFOLLOW` opens and symbolic links
//! expanded by hand, with the same rules.
//!
//! Operations other than open (`mkdir`, `unlink`, `rename`, ...) open the
//! parent directory this way and apply the `*at` system call to the final
//! component, which is a single name, so it cannot escape; the `*at` calls
//! used do not follow a final symbolic link.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use super::errno::Errno;
use super::mem::WResult;

#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

const RESOLVE_BENEATH: u64 = 0x08;
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;

/// Set once `openat2` turned out to be missing.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// Forces the fallback walk (for tests of it).
#[doc(hidden)]
pub fn force_manual_resolution(on: bool) {
    NO_OPENAT2.store(on, Ordering::Relaxed);
}

pub(crate) fn cstr(s: &str) -> WResult<CString> {
    CString::new(s).map_err(|_| Errno::Inval)
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Opens `path` beneath `dir` with open `flags` (`O_CLOEXEC` is added;
/// `O_NOFOLLOW` makes a final symbolic link fail rather than be followed).
pub(crate) fn open_beneath(dir: RawFd, path: &str, flags: i32, mode: u32) -> WResult<OwnedFd> {
    if path.is_empty() {
        return Err(Errno::Noent);
    }
    if path.starts_with('/') {
        return Err(Errno::Perm);
    }
    let flags = flags | libc::O_CLOEXEC;
    if !NO_OPENAT2.load(Ordering::Relaxed) {
        let c = cstr(path)?;
        let how = OpenHow {
            flags: flags as u32 as u64,
            mode: if flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE {
                mode as u64
            } else {
                0
            },
            resolve: RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        // SAFETY: `c` is a NUL-terminated string and `how` a valid
        // `struct open_how` of the size passed; both outlive the call.
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir,
                c.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if r >= 0 {
            // SAFETY: the kernel returned a new descriptor that we own.
            return Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) });
        }
        match last_errno() {
            libc::ENOSYS => NO_OPENAT2.store(true, Ordering::Relaxed),
            libc::EXDEV => return Err(Errno::Perm),
            e => return Err(Errno::from_raw_os(e)),
        }
    }
    open_manual(dir, path, flags, mode)
}

fn openat(dir: RawFd, name: &str, flags: i32, mode: u32) -> Result<OwnedFd, i32> {
    let c = CString::new(name).map_err(|_| libc::EINVAL)?;
    // SAFETY: `c` is NUL-terminated; `dir` is a descriptor the caller holds.
    let r = unsafe { libc::openat(dir, c.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    if r < 0 {
        Err(last_errno())
    } else {
        // SAFETY: a new descriptor that we own.
        Ok(unsafe { OwnedFd::from_raw_fd(r) })
    }
}

/// The target of the symbolic link `name` in `dir`, if it is one.
pub(crate) fn readlinkat(dir: RawFd, name: &str) -> Result<Vec<u8>, i32> {
    let c = CString::new(name).map_err(|_| libc::EINVAL)?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: `buf` has room for `buf.len()` bytes; `c` is NUL-terminated.
    let n = unsafe { libc::readlinkat(dir, c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(last_errno());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

/// The walk without `openat2`: each directory is opened with
/// `O_NOFOLLOW`, `..` pops the stack of opened directories (and fails past
/// the start), symbolic links are read and spliced into the rest of the
/// path, an absolute link target is an escape.
fn open_manual(dir: RawFd, path: &str, flags: i32, mode: u32) -> WResult<OwnedFd> {
    let follow_final = flags & libc::O_NOFOLLOW == 0;
    let mut stack: Vec<OwnedFd> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let mut trailing_slash = path.ends_with('/');
    push_components(&mut rest, path);
    let mut links = 0;
    while let Some(c) = rest.pop() {
        let cur = stack.last().map_or(dir, |f| f.as_raw_fd());
        if c == ".." {
            if stack.pop().is_none() {
                return Err(Errno::Perm);
            }
            continue;
        }
        let last = rest.is_empty();
        if (!last || follow_final || trailing_slash)
            && let Ok(target) = readlinkat(cur, &c)
        {
            links += 1;
            if links > 40 {
                return Err(Errno::Loop);
            }
            let t = String::from_utf8(target).map_err(|_| Errno::Ilseq)?;
            if t.starts_with('/') {
                return Err(Errno::Perm);
            }
            if last {
                trailing_slash |= t.ends_with('/');
            }
            push_components(&mut rest, &t);
            continue;
        }

        if last {
            let mut f = flags | libc::O_NOFOLLOW;
            if trailing_slash {
                f |= libc::O_DIRECTORY;
            }
            return openat(cur, &c, f, mode).map_err(Errno::from_raw_os);
        }
        let next = openat(
            cur,
            &c,
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            0,
        )
        .map_err(Errno::from_raw_os)?;
        stack.push(next);
    }
    // Only `.` and `..` components: the directory reached itself.
    let cur = stack.last().map_or(dir, |f| f.as_raw_fd());
    openat(cur, ".", flags & !(libc::O_CREAT | libc::O_EXCL), mode).map_err(Errno::from_raw_os)
}

/// Pushes the components of `path` onto `stack` so that the first is on
/// top, skipping empty ones and `.`.
fn push_components(stack: &mut Vec<String>, path: &str) {
    for c in path.split('/').rev() {
        if !c.is_empty() && c != "." {
            stack.push(c.to_string());
        }
    }
}

/// The parent directory of a path's final component, opened beneath `dir`,
/// and that component (with a trailing `/` kept so that the `*at` call can
/// insist on a directory).
pub(crate) struct Parent {
    pub(crate) fd: OwnedFd,
    pub(crate) name: CString,
}

impl Parent {
    pub(crate) fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Opens the parent of `path` beneath `dir`. A final component of `.` or
/// `..` names no entry of a parent: once the whole path is known not to
/// escape, `dot_err` is returned.
pub(crate) fn open_parent(dir: RawFd, path: &str, dot_err: Errno) -> WResult<Parent> {
    if path.is_empty() {
        return Err(Errno::Noent);
    }
    if path.starts_with('/') {
        return Err(Errno::Perm);
    }
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => (".", trimmed),
    };
    let parent = if parent.is_empty() { "." } else { parent };
    if name == "." || name == ".." {
        open_beneath(dir, path, libc::O_PATH, 0)?;
        return Err(dot_err);
    }
    let fd = open_beneath(dir, parent, libc::O_PATH | libc::O_DIRECTORY, 0)?;
    let mut name = name.to_string();
    if trimmed.len() != path.len() {
        name.push('/');
    }
    Ok(Parent {
        fd,
        name: cstr(&name)?,
    })
}
