//! Descriptor and path operations: `fd_*` and `path_*`.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::ctx::{FdEntry, Input, Kind, Output, WasiCtx, rights as r};
use super::errno::Errno;
use super::mem::{GuestMem, Record, WResult};
use super::path::{self, cstr, open_beneath, open_parent};

/// WASI `filetype` values.
pub(crate) mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

const FDFLAGS_APPEND: u16 = 1;
const FDFLAGS_DSYNC: u16 = 2;
const FDFLAGS_NONBLOCK: u16 = 4;
const FDFLAGS_RSYNC: u16 = 8;
const FDFLAGS_SYNC: u16 = 16;

const OFLAGS_CREAT: u16 = 1;
const OFLAGS_DIRECTORY: u16 = 2;
const OFLAGS_EXCL: u16 = 4;
const OFLAGS_TRUNC: u16 = 8;

const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

const FST_ATIM: u16 = 1;
const FST_ATIM_NOW: u16 = 2;
const FST_MTIM: u16 = 4;
const FST_MTIM_NOW: u16 = 8;

fn cvt(r: i64) -> WResult<i64> {
    if r < 0 { Err(Errno::last_os()) } else { Ok(r) }
}

fn filetype_of(mode: libc::mode_t) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFBLK => filetype::BLOCK_DEVICE,
        libc::S_IFCHR => filetype::CHARACTER_DEVICE,
        libc::S_IFDIR => filetype::DIRECTORY,
        libc::S_IFREG => filetype::REGULAR_FILE,
        libc::S_IFSOCK => filetype::SOCKET_STREAM,
        libc::S_IFLNK => filetype::SYMBOLIC_LINK,
        _ => filetype::UNKNOWN,
    }
}

pub(crate) fn fstat(fd: RawFd) -> WResult<libc::stat> {
    // SAFETY: an all-zero `stat` is a valid value to be overwritten.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid, writable `stat`.
    cvt(unsafe { libc::fstat(fd, &mut st) } as i64)?;
    Ok(st)
}

fn nanos(sec: i64, nsec: i64) -> u64 {
    (sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(nsec as u64)
}

/// A `filestat` (64 bytes).
fn filestat(st: &libc::stat) -> Record {
    let mut rec = Record::new(64);
    rec.u64(0, st.st_dev)
        .u64(8, st.st_ino)
        .u8(16, filetype_of(st.st_mode))
        .u64(24, st.st_nlink)
        .u64(32, st.st_size as u64)
        .u64(40, nanos(st.st_atime, st.st_atime_nsec))
        .u64(48, nanos(st.st_mtime, st.st_mtime_nsec))
        .u64(56, nanos(st.st_ctime, st.st_ctime_nsec));
    rec
}

/// A `filestat` for a standard stream that is not a host descriptor.
fn stream_filestat() -> Record {
    let mut rec = Record::new(64);
    rec.u8(16, filetype::CHARACTER_DEVICE).u64(24, 1);
    rec
}

// ---- reading and writing ----

fn read_fd(fd: RawFd, buf: &mut [u8], offset: Option<u64>) -> WResult<usize> {
    // SAFETY: `buf` is a valid writable buffer of `buf.len()` bytes.
    let n = unsafe {
        match offset {
            Some(o) => libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), o as i64),
            None => libc::read(fd, buf.as_mut_ptr().cast(), buf.len()),
        }
    };
    Ok(cvt(n as i64)? as usize)
}

fn write_fd(fd: RawFd, buf: &[u8], offset: Option<u64>) -> WResult<usize> {
    // SAFETY: `buf` is a valid readable buffer of `buf.len()` bytes.
    let n = unsafe {
        match offset {
            Some(o) => libc::pwrite(fd, buf.as_ptr().cast(), buf.len(), o as i64),
            None => libc::write(fd, buf.as_ptr().cast(), buf.len()),
        }
    };
    Ok(cvt(n as i64)? as usize)
}

/// Reads into the guest's iovecs from `e` (at `offset` for `pread`).
fn read_into(
    e: &mut FdEntry,
    mem: &mut GuestMem,
    iovs: &[(u32, u32)],
    offset: Option<u64>,
) -> WResult<u64> {
    let mut total = 0u64;
    for &(ptr, len) in iovs {
        let buf = mem.slice_mut(ptr, len)?;
        let n = match &mut e.kind {
            Kind::Stdin(Input::Null) => 0,
            Kind::Stdin(Input::Inherit) => read_fd(0, buf, None)?,
            Kind::Stdin(Input::Bytes { data, pos }) => {
                let rest = data.get(*pos..).unwrap_or(&[]);
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                n
            }
            Kind::Stdout(_) => return Err(Errno::Badf),
            Kind::File(fd) => read_fd(fd.as_raw_fd(), buf, offset.map(|o| o + total))?,
            Kind::Dir { .. } => return Err(Errno::Isdir),
        };
        total += n as u64;
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

/// Writes the guest's ciovecs to `e`.
fn write_from(
    e: &mut FdEntry,
    mem: &GuestMem,
    iovs: &[(u32, u32)],
    offset: Option<u64>,
) -> WResult<u64> {
    let mut total = 0u64;
    for &(ptr, len) in iovs {
        let buf = mem.slice(ptr, len)?;
        let n = match &mut e.kind {
            Kind::Stdout(Output::Null) => buf.len(),
            Kind::Stdout(Output::Capture(v)) => {
                v.extend_from_slice(buf);
                buf.len()
            }
            Kind::Stdout(Output::Inherit(fd)) => {
                let mut done = 0;
                while done < buf.len() {
                    done += write_fd(*fd, &buf[done..], None)?;
                }
                done
            }
            Kind::Stdin(_) => return Err(Errno::Badf),
            Kind::File(fd) => write_fd(fd.as_raw_fd(), buf, offset.map(|o| o + total))?,
            Kind::Dir { .. } => return Err(Errno::Isdir),
        };
        total += n as u64;
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

/// Positioned I/O (`fd_pread`/`fd_pwrite`) works on regular files only: a
/// directory gives `isdir`, anything else (a pipe, a terminal) `spipe`.
fn positioned_io_allowed(e: &FdEntry) -> WResult<()> {
    match e.kind {
        Kind::File(_) => Ok(()),
        Kind::Dir { .. } => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

/// Which transfer a vectored I/O call makes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Io {
    Read,
    Write,
}

/// `fd_read`, `fd_write` (`offset` `None`: at the file position) and
/// `fd_pread`, `fd_pwrite` (at `offset`, without moving it): checks the iovec
/// array and the result word, the rights (and for positioned I/O, that the
/// descriptor is a regular file), transfers, and stores the byte count.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fd_io(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    io: Io,
    fd: u32,
    iovs: u32,
    n: u32,
    offset: Option<u64>,
    out: u32,
) -> WResult<()> {
    let iovs = mem.iovecs(iovs, n)?;
    mem.slice(out, 4)?;
    let rights = match io {
        Io::Read => r::FD_READ,
        Io::Write => r::FD_WRITE,
    };
    let seek = if offset.is_some() { r::FD_SEEK } else { 0 };
    let e = ctx.get(fd, rights | seek)?;
    if offset.is_some() {
        positioned_io_allowed(e)?;
    }
    let total = match io {
        Io::Read => read_into(e, mem, &iovs, offset)?,
        Io::Write => write_from(e, mem, &iovs, offset)?,
    };
    mem.write_u32(out, total as u32)
}

fn file_fd(ctx: &mut WasiCtx, fd: u32, rights: u64) -> WResult<RawFd> {
    let e = ctx.get(fd, rights)?;
    match &e.kind {
        Kind::File(f) => Ok(f.as_raw_fd()),
        Kind::Dir { .. } => Err(Errno::Isdir),
        _ => Err(Errno::Spipe),
    }
}

pub(crate) fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    offset: i64,
    whence: u32,
    out: u32,
) -> WResult<()> {
    let need = if offset == 0 && whence == 1 {
        r::FD_TELL
    } else {
        r::FD_SEEK
    };
    let hfd = file_fd(ctx, fd, need)?;
    let whence = match whence {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        2 => libc::SEEK_END,
        _ => return Err(Errno::Inval),
    };
    mem.slice(out, 8)?;
    // SAFETY: plain system call on a descriptor we own.
    let pos = cvt(unsafe { libc::lseek(hfd, offset, whence) })?;
    mem.write_u64(out, pos as u64)
}

pub(crate) fn fd_tell(ctx: &mut WasiCtx, mem: &mut GuestMem, fd: u32, out: u32) -> WResult<()> {
    let hfd = file_fd(ctx, fd, r::FD_TELL)?;
    mem.slice(out, 8)?;
    // SAFETY: plain system call on a descriptor we own.
    let pos = cvt(unsafe { libc::lseek(hfd, 0, libc::SEEK_CUR) })?;
    mem.write_u64(out, pos as u64)
}

pub(crate) fn fd_close(ctx: &mut WasiCtx, fd: u32) -> WResult<()> {
    ctx.fds.remove(&fd).map(drop).ok_or(Errno::Badf)
}

pub(crate) fn fd_sync(ctx: &mut WasiCtx, fd: u32, data_only: bool) -> WResult<()> {
    let need = if data_only {
        r::FD_DATASYNC
    } else {
        r::FD_SYNC
    };
    let e = ctx.get(fd, need)?;
    let Some(hfd) = e.host_fd() else {
        return Ok(());
    };
    // SAFETY: plain system calls on a descriptor we own.
    let res = unsafe {
        if data_only {
            libc::fdatasync(hfd)
        } else {
            libc::fsync(hfd)
        }
    };
    cvt(res as i64).map(drop)
}

pub(crate) fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    out: u32,
) -> WResult<()> {
    let e = ctx.get(fd, 0)?;
    let (ft, flags) = match &e.kind {
        Kind::Stdin(_) | Kind::Stdout(_) => (filetype::CHARACTER_DEVICE, 0),
        Kind::File(f) | Kind::Dir { fd: f, .. } => {
            let st = fstat(f.as_raw_fd())?;
            // SAFETY: plain system call on a descriptor we own.
            let fl = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETFL) };
            let fl = cvt(fl as i64)? as i32;
            let mut w = 0u16;
            if fl & libc::O_APPEND != 0 {
                w |= FDFLAGS_APPEND;
            }
            if fl & libc::O_NONBLOCK != 0 {
                w |= FDFLAGS_NONBLOCK;
            }
            if fl & libc::O_DSYNC != 0 {
                w |= FDFLAGS_DSYNC;
            }
            if fl & libc::O_SYNC == libc::O_SYNC {
                w |= FDFLAGS_SYNC | FDFLAGS_RSYNC;
            }
            (filetype_of(st.st_mode), w)
        }
    };
    let mut rec = Record::new(24);
    rec.u8(0, ft)
        .u16(2, flags)
        .u64(8, e.base)
        .u64(16, e.inheriting);
    mem.write(out, &rec.0)
}

pub(crate) fn fd_fdstat_set_flags(ctx: &mut WasiCtx, fd: u32, flags: u32) -> WResult<()> {
    let e = ctx.get(fd, r::FD_FDSTAT_SET_FLAGS)?;
    let flags = flags as u16;
    if flags & !(FDFLAGS_APPEND | FDFLAGS_NONBLOCK) != 0 {
        return Err(Errno::Notsup);
    }
    let Some(hfd) = e.host_fd() else {
        return if flags == 0 {
            Ok(())
        } else {
            Err(Errno::Notsup)
        };
    };
    let mut fl = 0;
    if flags & FDFLAGS_APPEND != 0 {
        fl |= libc::O_APPEND;
    }
    if flags & FDFLAGS_NONBLOCK != 0 {
        fl |= libc::O_NONBLOCK;
    }
    // SAFETY: plain system call on a descriptor we own.
    cvt(unsafe { libc::fcntl(hfd, libc::F_SETFL, fl) } as i64).map(drop)
}

pub(crate) fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WResult<()> {
    let e = ctx.get(fd, 0)?;
    let (base, inheriting) = (base & r::ALL, inheriting & r::ALL);
    if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
        return Err(Errno::Notcapable);
    }
    e.base = base;
    e.inheriting = inheriting;
    Ok(())
}

pub(crate) fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    out: u32,
) -> WResult<()> {
    let e = ctx.get(fd, r::FD_FILESTAT_GET)?;
    let rec = match e.host_fd() {
        Some(hfd) => filestat(&fstat(hfd)?),
        None => stream_filestat(),
    };
    mem.write(out, &rec.0)
}

pub(crate) fn fd_filestat_set_size(ctx: &mut WasiCtx, fd: u32, size: u64) -> WResult<()> {
    let hfd = file_fd(ctx, fd, r::FD_FILESTAT_SET_SIZE)?;
    let size = i64::try_from(size).map_err(|_| Errno::Fbig)?;
    // SAFETY: plain system call on a descriptor we own.
    cvt(unsafe { libc::ftruncate(hfd, size) } as i64).map(drop)
}

fn timespecs(atim: u64, mtim: u64, fst: u32) -> WResult<[libc::timespec; 2]> {
    let fst = fst as u16;
    if (fst & FST_ATIM != 0 && fst & FST_ATIM_NOW != 0)
        || (fst & FST_MTIM != 0 && fst & FST_MTIM_NOW != 0)
    {
        return Err(Errno::Inval);
    }
    let one = |t: u64, set: u16, now: u16| {
        if fst & now != 0 {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            }
        } else if fst & set != 0 {
            libc::timespec {
                tv_sec: (t / 1_000_000_000) as i64,
                tv_nsec: (t % 1_000_000_000) as i64,
            }
        } else {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            }
        }
    };
    Ok([
        one(atim, FST_ATIM, FST_ATIM_NOW),
        one(mtim, FST_MTIM, FST_MTIM_NOW),
    ])
}

pub(crate) fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WResult<()> {
    let e = ctx.get(fd, r::FD_FILESTAT_SET_TIMES)?;
    let hfd = e.host_fd().ok_or(Errno::Notsup)?;
    let ts = timespecs(atim, mtim, fst)?;
    // SAFETY: `ts` is an array of two valid timespecs.
    cvt(unsafe { libc::futimens(hfd, ts.as_ptr()) } as i64).map(drop)
}

pub(crate) fn fd_advise(
    ctx: &mut WasiCtx,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WResult<()> {
    let hfd = file_fd(ctx, fd, r::FD_ADVISE)?;
    let adv = match advice {
        0 => libc::POSIX_FADV_NORMAL,
        1 => libc::POSIX_FADV_SEQUENTIAL,
        2 => libc::POSIX_FADV_RANDOM,
        3 => libc::POSIX_FADV_WILLNEED,
        4 => libc::POSIX_FADV_DONTNEED,
        5 => libc::POSIX_FADV_NOREUSE,
        _ => return Err(Errno::Inval),
    };
    // SAFETY: plain system call on a descriptor we own.
    let res = unsafe { libc::posix_fadvise(hfd, offset as i64, len as i64, adv) };
    if res != 0 {
        Err(Errno::from_raw_os(res))
    } else {
        Ok(())
    }
}

pub(crate) fn fd_allocate(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64) -> WResult<()> {
    let hfd = file_fd(ctx, fd, r::FD_ALLOCATE)?;
    let off = i64::try_from(offset).map_err(|_| Errno::Fbig)?;
    let len = i64::try_from(len).map_err(|_| Errno::Fbig)?;
    // SAFETY: plain system call on a descriptor we own.
    let res = unsafe { libc::posix_fallocate(hfd, off, len) };
    if res != 0 {
        Err(Errno::from_raw_os(res))
    } else {
        Ok(())
    }
}

pub(crate) fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    out: u32,
) -> WResult<()> {
    let e = ctx.fds.get(&fd).ok_or(Errno::Badf)?;
    let Kind::Dir {
        preopen: Some(name),
        ..
    } = &e.kind
    else {
        return Err(Errno::Badf);
    };
    let mut rec = Record::new(8);
    rec.u8(0, 0).u32(4, name.len() as u32);
    mem.write(out, &rec.0)
}

pub(crate) fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WResult<()> {
    let e = ctx.fds.get(&fd).ok_or(Errno::Badf)?;
    let Kind::Dir {
        preopen: Some(name),
        ..
    } = &e.kind
    else {
        return Err(Errno::Badf);
    };
    if (len as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    mem.write(ptr, name.as_bytes())
}

pub(crate) fn fd_renumber(ctx: &mut WasiCtx, from: u32, to: u32) -> WResult<()> {
    if !ctx.fds.contains_key(&from) || !ctx.fds.contains_key(&to) {
        return Err(Errno::Badf);
    }
    if from == to {
        return Ok(());
    }
    let e = ctx.fds.remove(&from).ok_or(Errno::Badf)?;
    ctx.fds.insert(to, e);
    Ok(())
}

/// The entries of a directory: (inode, type, name), `.` and `..` included.
fn list_dir(dir: RawFd) -> WResult<Vec<(u64, u8, Vec<u8>)>> {
    // SAFETY: duplicating a descriptor we own.
    let dup = cvt(unsafe { libc::fcntl(dir, libc::F_DUPFD_CLOEXEC, 0) } as i64)? as RawFd;
    // SAFETY: `dup` is a fresh descriptor; `fdopendir` takes it over.
    let d = unsafe { libc::fdopendir(dup) };
    if d.is_null() {
        let err = Errno::last_os();
        // SAFETY: `fdopendir` failed, so `dup` is still ours to close.
        unsafe { libc::close(dup) };
        return Err(err);
    }
    // SAFETY: `d` is a valid open directory stream.
    unsafe { libc::rewinddir(d) };
    let mut out = Vec::new();
    loop {
        // SAFETY: `d` is a valid open directory stream.
        let ent = unsafe { libc::readdir64(d) };
        if ent.is_null() {
            break;
        }
        // SAFETY: `readdir64` returned a valid entry, live until the next
        // call on `d`; its name is NUL-terminated.
        let (ino, ty, name) = unsafe {
            let ent = &*ent;
            let name = std::ffi::CStr::from_ptr(ent.d_name.as_ptr())
                .to_bytes()
                .to_vec();
            (ent.d_ino, ent.d_type, name)
        };
        let ty = match ty {
            libc::DT_BLK => filetype::BLOCK_DEVICE,
            libc::DT_CHR => filetype::CHARACTER_DEVICE,
            libc::DT_DIR => filetype::DIRECTORY,
            libc::DT_REG => filetype::REGULAR_FILE,
            libc::DT_LNK => filetype::SYMBOLIC_LINK,
            libc::DT_SOCK => filetype::SOCKET_STREAM,
            _ => filetype::UNKNOWN,
        };
        out.push((ino, ty, name));
    }
    // SAFETY: `d` is a valid stream, closed once (this closes `dup`).
    unsafe { libc::closedir(d) };
    Ok(out)
}

pub(crate) fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    out: u32,
) -> WResult<()> {
    mem.slice(buf, buf_len)?;
    mem.slice(out, 4)?;
    let e = ctx.get(fd, r::FD_READDIR)?;
    let Kind::Dir { fd: dfd, .. } = &e.kind else {
        return Err(Errno::Notdir);
    };
    let entries = list_dir(dfd.as_raw_fd())?;
    let mut bytes = Vec::new();
    for (i, (ino, ty, name)) in entries
        .iter()
        .enumerate()
        .skip(cookie.min(usize::MAX as u64) as usize)
    {
        let mut rec = Record::new(24);
        rec.u64(0, i as u64 + 1)
            .u64(8, *ino)
            .u32(16, name.len() as u32)
            .u8(20, *ty);
        bytes.extend_from_slice(&rec.0);
        bytes.extend_from_slice(name);
        if bytes.len() >= buf_len as usize {
            break;
        }
    }
    let n = bytes.len().min(buf_len as usize);
    mem.write(buf, &bytes[..n])?;
    mem.write_u32(out, n as u32)
}

// ---- paths ----

pub(crate) fn path_open(ctx: &mut WasiCtx, mem: &mut GuestMem, a: &[u64]) -> WResult<()> {
    let [
        dirfd,
        dirflags,
        ptr,
        len,
        oflags,
        base,
        inheriting,
        fdflags,
        out,
    ] = *a
    else {
        return Err(Errno::Inval);
    };
    let (dirfd, dirflags, oflags, fdflags) =
        (dirfd as u32, dirflags as u32, oflags as u16, fdflags as u16);
    let path = mem.str(ptr as u32, len as u32)?;
    mem.slice(out as u32, 4)?;
    let mut need = r::PATH_OPEN;
    if oflags & OFLAGS_CREAT != 0 {
        need |= r::PATH_CREATE_FILE;
    }
    if oflags & OFLAGS_TRUNC != 0 {
        need |= r::PATH_FILESTAT_SET_SIZE;
    }
    let dir_entry = ctx.get(dirfd, 0)?;
    let Kind::Dir { fd: dfd, .. } = &dir_entry.kind else {
        return Err(Errno::Notdir);
    };
    if dir_entry.base & need != need {
        return Err(Errno::Notcapable);
    }
    let dir_inheriting = dir_entry.inheriting;
    let base = base & dir_inheriting;
    let inheriting = inheriting & dir_inheriting;
    let read = base & (r::FD_READ | r::FD_READDIR) != 0;
    // A directory is opened for reading whatever rights were asked for
    // (they are masked to the directory rights below).
    let write = oflags & OFLAGS_DIRECTORY == 0
        && (base & (r::FD_WRITE | r::FD_ALLOCATE | r::FD_FILESTAT_SET_SIZE) != 0
            || fdflags & FDFLAGS_APPEND != 0
            || oflags & OFLAGS_TRUNC != 0);
    let mut flags = match (read, write) {
        (_, false) => libc::O_RDONLY,
        (false, true) => libc::O_WRONLY,
        (true, true) => libc::O_RDWR,
    };
    if oflags & OFLAGS_CREAT != 0 {
        flags |= libc::O_CREAT;
    }
    if oflags & OFLAGS_DIRECTORY != 0 {
        flags |= libc::O_DIRECTORY;
    }
    if oflags & OFLAGS_EXCL != 0 {
        flags |= libc::O_EXCL;
    }
    if oflags & OFLAGS_TRUNC != 0 {
        flags |= libc::O_TRUNC;
    }
    if dirflags & LOOKUP_SYMLINK_FOLLOW == 0 {
        flags |= libc::O_NOFOLLOW;
    }
    if fdflags & FDFLAGS_APPEND != 0 {
        flags |= libc::O_APPEND;
    }
    if fdflags & FDFLAGS_NONBLOCK != 0 {
        flags |= libc::O_NONBLOCK;
    }
    if fdflags & FDFLAGS_DSYNC != 0 {
        flags |= libc::O_DSYNC;
    }
    if fdflags & (FDFLAGS_SYNC | FDFLAGS_RSYNC) != 0 {
        flags |= libc::O_SYNC;
    }
    let file = open_beneath(dfd.as_raw_fd(), &path, flags, 0o666)?;
    let st = fstat(file.as_raw_fd())?;
    let kind = if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        Kind::Dir {
            fd: file,
            preopen: None,
        }
    } else {
        Kind::File(file)
    };
    let mask = if matches!(kind, Kind::Dir { .. }) {
        r::DIR
    } else {
        r::FILE
    };
    let new = ctx.insert(FdEntry {
        kind,
        base: base & mask,
        inheriting,
    })?;
    mem.write_u32(out as u32, new)
}

fn path_str(mem: &GuestMem, ptr: u32, len: u32) -> WResult<String> {
    mem.str(ptr, len)
}

pub(crate) fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WResult<()> {
    let path = path_str(mem, ptr, len)?;
    let dir = ctx.dir_fd(fd, r::PATH_CREATE_DIRECTORY)?;
    let p = open_parent(dir, &path, Errno::Exist)?;
    // SAFETY: plain system call with a NUL-terminated name.
    cvt(unsafe { libc::mkdirat(p.raw(), p.name.as_ptr(), 0o777) } as i64).map(drop)
}

pub(crate) fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WResult<()> {
    let path = path_str(mem, ptr, len)?;
    let dir = ctx.dir_fd(fd, r::PATH_REMOVE_DIRECTORY)?;
    let dot = if path.trim_end_matches('/').ends_with("..") {
        Errno::Notempty
    } else {
        Errno::Inval
    };
    let p = open_parent(dir, &path, dot)?;
    // SAFETY: plain system call with a NUL-terminated name.
    cvt(unsafe { libc::unlinkat(p.raw(), p.name.as_ptr(), libc::AT_REMOVEDIR) } as i64).map(drop)
}

pub(crate) fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WResult<()> {
    let path = path_str(mem, ptr, len)?;
    let dir = ctx.dir_fd(fd, r::PATH_UNLINK_FILE)?;
    let p = open_parent(dir, &path, Errno::Isdir)?;
    // SAFETY: plain system call with a NUL-terminated name.
    cvt(unsafe { libc::unlinkat(p.raw(), p.name.as_ptr(), 0) } as i64).map(drop)
}

pub(crate) fn path_rename(ctx: &mut WasiCtx, mem: &mut GuestMem, a: &[u64]) -> WResult<()> {
    let [fd, optr, olen, nfd, nptr, nlen] = *a else {
        return Err(Errno::Inval);
    };
    let old = path_str(mem, optr as u32, olen as u32)?;
    let new = path_str(mem, nptr as u32, nlen as u32)?;
    let od = ctx.dir_fd(fd as u32, r::PATH_RENAME_SOURCE)?;
    let nd = ctx.dir_fd(nfd as u32, r::PATH_RENAME_TARGET)?;
    let op = open_parent(od, &old, Errno::Busy)?;
    let np = open_parent(nd, &new, Errno::Busy)?;
    // SAFETY: plain system call with NUL-terminated names.
    cvt(unsafe { libc::renameat(op.raw(), op.name.as_ptr(), np.raw(), np.name.as_ptr()) } as i64)
        .map(drop)
}

/// Opens `path` beneath `dir` as an `O_PATH` descriptor (the link itself
/// when `follow` is off).
fn open_path(dir: RawFd, path: &str, follow: bool) -> WResult<OwnedFd> {
    let mut flags = libc::O_PATH;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    open_beneath(dir, path, flags, 0)
}

pub(crate) fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    flags: u32,
    ptr: u32,
    len: u32,
    out: u32,
) -> WResult<()> {
    let path = path_str(mem, ptr, len)?;
    mem.slice(out, 64)?;
    let dir = ctx.dir_fd(fd, r::PATH_FILESTAT_GET)?;
    let f = open_path(dir, &path, flags & LOOKUP_SYMLINK_FOLLOW != 0)?;
    let st = fstat(f.as_raw_fd())?;
    mem.write(out, &filestat(&st).0)
}

pub(crate) fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    a: &[u64],
) -> WResult<()> {
    let [fd, flags, ptr, len, atim, mtim, fst] = *a else {
        return Err(Errno::Inval);
    };
    let path = path_str(mem, ptr as u32, len as u32)?;
    let ts = timespecs(atim, mtim, fst as u32)?;
    let dir = ctx.dir_fd(fd as u32, r::PATH_FILESTAT_SET_TIMES)?;
    let follow = flags as u32 & LOOKUP_SYMLINK_FOLLOW != 0;
    let f = open_path(dir, &path, follow)?;
    // An `O_PATH` descriptor is named through /proc to reach the inode it
    // already confines (no path resolution beneath the guest's directory).
    let proc = cstr(&format!("/proc/self/fd/{}", f.as_raw_fd()))?;
    let fl = if follow || fstat(f.as_raw_fd())?.st_mode & libc::S_IFMT != libc::S_IFLNK {
        0
    } else {
        // The link itself: change it through its parent.
        let p = open_parent(dir, &path, Errno::Inval)?;
        // SAFETY: `ts` holds two valid timespecs; the name is NUL-terminated.
        return cvt(unsafe {
            libc::utimensat(
                p.raw(),
                p.name.as_ptr(),
                ts.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        } as i64)
        .map(drop);
    };
    // SAFETY: `ts` holds two valid timespecs; the path is NUL-terminated.
    cvt(unsafe { libc::utimensat(libc::AT_FDCWD, proc.as_ptr(), ts.as_ptr(), fl) } as i64).map(drop)
}

pub(crate) fn path_readlink(ctx: &mut WasiCtx, mem: &mut GuestMem, a: &[u64]) -> WResult<()> {
    let [fd, ptr, len, buf, buf_len, out] = *a else {
        return Err(Errno::Inval);
    };
    let path = path_str(mem, ptr as u32, len as u32)?;
    mem.slice(buf as u32, buf_len as u32)?;
    mem.slice(out as u32, 4)?;
    let dir = ctx.dir_fd(fd as u32, r::PATH_READLINK)?;
    let p = open_parent(dir, &path, Errno::Inval)?;
    let name = p.name.to_str().map_err(|_| Errno::Ilseq)?;
    let target = path::readlinkat(p.raw(), name).map_err(Errno::from_raw_os)?;
    let n = target.len().min(buf_len as usize);
    mem.write(buf as u32, &target[..n])?;
    mem.write_u32(out as u32, n as u32)
}

pub(crate) fn path_symlink(ctx: &mut WasiCtx, mem: &mut GuestMem, a: &[u64]) -> WResult<()> {
    let [optr, olen, fd, nptr, nlen] = *a else {
        return Err(Errno::Inval);
    };
    let old = path_str(mem, optr as u32, olen as u32)?;
    let new = path_str(mem, nptr as u32, nlen as u32)?;
    let dir = ctx.dir_fd(fd as u32, r::PATH_SYMLINK)?;
    let p = open_parent(dir, &new, Errno::Exist)?;
    let target = cstr(&old)?;
    // SAFETY: plain system call with NUL-terminated strings.
    cvt(unsafe { libc::symlinkat(target.as_ptr(), p.raw(), p.name.as_ptr()) } as i64).map(drop)
}

pub(crate) fn path_link(ctx: &mut WasiCtx, mem: &mut GuestMem, a: &[u64]) -> WResult<()> {
    let [ofd, oflags, optr, olen, nfd, nptr, nlen] = *a else {
        return Err(Errno::Inval);
    };
    let old = path_str(mem, optr as u32, olen as u32)?;
    let new = path_str(mem, nptr as u32, nlen as u32)?;
    if oflags as u32 & LOOKUP_SYMLINK_FOLLOW != 0 {
        // Following the source link could leave the sandbox; as wasmtime,
        // this is refused.
        return Err(Errno::Inval);
    }
    let od = ctx.dir_fd(ofd as u32, r::PATH_LINK_SOURCE)?;
    let nd = ctx.dir_fd(nfd as u32, r::PATH_LINK_TARGET)?;
    let op = open_parent(od, &old, Errno::Perm)?;
    let np = open_parent(nd, &new, Errno::Exist)?;
    // SAFETY: plain system call with NUL-terminated names.
    cvt(unsafe { libc::linkat(op.raw(), op.name.as_ptr(), np.raw(), np.name.as_ptr(), 0) } as i64)
        .map(drop)
}
