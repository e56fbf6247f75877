//! WASI preview 1 (`wasi_snapshot_preview1`) for guests run by strata.
//!
//! Capability model: nothing on the host is reachable unless granted through
//! a [`WasiCtxBuilder`] (arguments, environment variables, standard streams,
//! preopened directories). Paths resolve beneath a preopened directory only
//! (see the `path` module: escapes report `perm`), descriptors carry WASI
//! rights that every call checks (`notcapable` when one is missing), and
//! guest pointers are checked against the calling instance's memory
//! (`fault` when out of range): guest input never crashes the host.
//!
//! ```ignore
//! let mut linker = Linker::new(&engine);
//! strata::wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx)?;
//! let ctx = WasiCtxBuilder::new().args(["prog"]).inherit_stdio().build();
//! let mut store = Store::new(&engine, ctx);
//! ```
//!
//! `proc_exit` ends the run with an [`Error`] of kind
//! [`ErrorKind::Exit`](crate::ErrorKind::Exit) whose
//! [`Error::exit_code`] is the guest's code; it unwinds through the Wasm
//! frames like a trap, so no more Wasm code runs.

mod clocks;
mod ctx;
mod errno;
mod fs;
mod mem;
mod path;
mod poll;

pub use ctx::{WasiCtx, WasiCtxBuilder, rights};
pub use errno::Errno;
#[doc(hidden)]
pub use path::force_manual_resolution;

use crate::error::{Error, Result};
use crate::func::Caller;
use crate::instance::Extern;
use crate::linker::Linker;
use crate::values::{FuncType, ValType};
use ctx::Kind;
use mem::{GuestMem, WResult};

/// The import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

type Handler = fn(&mut WasiCtx, &mut GuestMem, &[u64]) -> WResult<()>;

/// Runs `f` with the WASI context and the calling instance's memory (empty
/// when it exports no `memory`).
fn with_ctx<T, R>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMem) -> R,
) -> R {
    let (ptr, len) = match caller.get_export("memory").and_then(Extern::into_memory) {
        Some(m) => {
            let d = m.data_mut(caller);
            (d.as_mut_ptr(), d.len())
        }
        None => (std::ptr::NonNull::<u8>::dangling().as_ptr(), 0),
    };
    let ctx = get(caller.data_mut());
    // SAFETY: `ptr..ptr+len` is the linear memory's buffer (or an empty
    // slice at a dangling, aligned pointer): a mapping owned by the store
    // and disjoint from the store's data, where `ctx` lives. It stays mapped
    // and unmoved for this call: memory only grows while Wasm runs, and no
    // Wasm runs during a host call; nothing else accesses it meanwhile.
    let bytes = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
    let mut mem = GuestMem::new(bytes);
    f(ctx, &mut mem)
}

fn define<T: 'static, G>(
    linker: &mut Linker<T>,
    get: G,
    name: &str,
    sig: &str,
    h: Handler,
) -> Result<()>
where
    G: Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
{
    let params = sig
        .chars()
        .map(|c| if c == 'l' { ValType::I64 } else { ValType::I32 });
    let ty = FuncType::new(params, [ValType::I32]);
    let n = sig.len();
    if n > MAX_ARGS {
        return Err(Error::other(format!(
            "WASI function {name} has {n} parameters, more than {MAX_ARGS}"
        )));
    }
    // Raw slots, no `Val`s: an `i32` argument is the low 32 bits of its
    // slot (the rest is not defined), an `i64` the low 64; the one result,
    // the errno, goes to slot 0.
    let mut masks = [0u64; MAX_ARGS];
    for (m, c) in masks.iter_mut().zip(sig.chars()) {
        *m = if c == 'l' {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        };
    }
    linker.func_raw(MODULE, name, ty, move |mut caller, slots| {
        let mut args = [0u64; MAX_ARGS];
        for ((a, &s), m) in args.iter_mut().zip(slots.iter()).zip(masks).take(n) {
            *a = s as u64 & m;
        }
        let r = with_ctx(&mut caller, get, |ctx, mem| h(ctx, mem, &args[..n]));
        let errno = match r {
            Ok(()) => Errno::Success,
            Err(e) => e,
        };
        if let Some(slot) = slots.first_mut() {
            *slot = u128::from(errno.raw() as u32);
        }
        Ok(())
    })?;
    Ok(())
}

/// The most parameters a WASI preview 1 function has (`path_open`: 9).
const MAX_ARGS: usize = 10;

fn a32(a: &[u64], i: usize) -> u32 {
    a.get(i).copied().unwrap_or(0) as u32
}
fn a64(a: &[u64], i: usize) -> u64 {
    a.get(i).copied().unwrap_or(0)
}

/// Writes a list of NUL-terminated strings: pointers at `ptrs`, bytes at
/// `buf`.
fn write_strings(mem: &mut GuestMem, list: &[Vec<u8>], ptrs: u32, buf: u32) -> WResult<()> {
    let total: usize = list.iter().map(|s| s.len() + 1).sum();
    let count = u32::try_from(list.len()).map_err(|_| Errno::Overflow)?;
    mem.slice(ptrs, count.checked_mul(4).ok_or(Errno::Fault)?)?;
    mem.slice(buf, u32::try_from(total).map_err(|_| Errno::Fault)?)?;
    let mut off = buf;
    for (i, s) in list.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, off)?;
        mem.write(off, s)?;
        mem.write(off + s.len() as u32, &[0])?;
        off += s.len() as u32 + 1;
    }
    Ok(())
}

fn write_sizes(mem: &mut GuestMem, list: &[Vec<u8>], count_out: u32, size_out: u32) -> WResult<()> {
    let total: usize = list.iter().map(|s| s.len() + 1).sum();
    mem.slice(count_out, 4)?;
    mem.slice(size_out, 4)?;
    mem.write_u32(count_out, list.len() as u32)?;
    mem.write_u32(size_out, total as u32)
}

fn random_get(mem: &mut GuestMem, buf: u32, len: u32) -> WResult<()> {
    let bytes = mem.slice_mut(buf, len)?;
    let mut done = 0;
    while done < bytes.len() {
        let rest = &mut bytes[done..];
        // SAFETY: `rest` is a valid writable buffer of `rest.len()` bytes.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = Errno::last_os();
            if e == Errno::Intr {
                continue;
            }
            return Err(e);
        }
        done += n as usize;
    }
    Ok(())
}

/// The answer of the `sock_*` calls: no socket is ever granted, so a
/// descriptor is either unknown (`badf`) or not a socket (`notsock`).
fn no_socket(ctx: &mut WasiCtx, fd: u32) -> WResult<()> {
    if ctx.fds.contains_key(&fd) {
        Err(Errno::Notsock)
    } else {
        Err(Errno::Badf)
    }
}

/// Defines every `wasi_snapshot_preview1` function in `linker`; `get`
/// finds the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<()> {
    let table: &[(&str, &str, Handler)] = &[
        ("args_get", "ii", |c, m, a| {
            write_strings(m, &c.args, a32(a, 0), a32(a, 1))
        }),
        ("args_sizes_get", "ii", |c, m, a| {
            write_sizes(m, &c.args, a32(a, 0), a32(a, 1))
        }),
        ("environ_get", "ii", |c, m, a| {
            write_strings(m, &c.env, a32(a, 0), a32(a, 1))
        }),
        ("environ_sizes_get", "ii", |c, m, a| {
            write_sizes(m, &c.env, a32(a, 0), a32(a, 1))
        }),
        ("clock_res_get", "ii", |_, m, a| {
            clocks::clock_res_get(m, a32(a, 0), a32(a, 1))
        }),
        ("clock_time_get", "ili", |_, m, a| {
            clocks::clock_time_get(m, a32(a, 0), a64(a, 1), a32(a, 2))
        }),
        ("fd_advise", "illi", |c, _, a| {
            fs::fd_advise(c, a32(a, 0), a64(a, 1), a64(a, 2), a32(a, 3))
        }),
        ("fd_allocate", "ill", |c, _, a| {
            fs::fd_allocate(c, a32(a, 0), a64(a, 1), a64(a, 2))
        }),
        ("fd_close", "i", |c, _, a| fs::fd_close(c, a32(a, 0))),
        ("fd_datasync", "i", |c, _, a| {
            fs::fd_sync(c, a32(a, 0), true)
        }),
        ("fd_sync", "i", |c, _, a| fs::fd_sync(c, a32(a, 0), false)),
        ("fd_fdstat_get", "ii", |c, m, a| {
            fs::fd_fdstat_get(c, m, a32(a, 0), a32(a, 1))
        }),
        ("fd_fdstat_set_flags", "ii", |c, _, a| {
            fs::fd_fdstat_set_flags(c, a32(a, 0), a32(a, 1))
        }),
        ("fd_fdstat_set_rights", "ill", |c, _, a| {
            fs::fd_fdstat_set_rights(c, a32(a, 0), a64(a, 1), a64(a, 2))
        }),
        ("fd_filestat_get", "ii", |c, m, a| {
            fs::fd_filestat_get(c, m, a32(a, 0), a32(a, 1))
        }),
        ("fd_filestat_set_size", "il", |c, _, a| {
            fs::fd_filestat_set_size(c, a32(a, 0), a64(a, 1))
        }),
        ("fd_filestat_set_times", "illi", |c, _, a| {
            fs::fd_filestat_set_times(c, a32(a, 0), a64(a, 1), a64(a, 2), a32(a, 3))
        }),
        ("fd_pread", "iiili", |c, m, a| {
            fs::fd_io(
                c,
                m,
                fs::Io::Read,
                a32(a, 0),
                a32(a, 1),
                a32(a, 2),
                Some(a64(a, 3)),
                a32(a, 4),
            )
        }),
        ("fd_pwrite", "iiili", |c, m, a| {
            fs::fd_io(
                c,
                m,
                fs::Io::Write,
                a32(a, 0),
                a32(a, 1),
                a32(a, 2),
                Some(a64(a, 3)),
                a32(a, 4),
            )
        }),
        ("fd_read", "iiii", |c, m, a| {
            fs::fd_io(
                c,
                m,
                fs::Io::Read,
                a32(a, 0),
                a32(a, 1),
                a32(a, 2),
                None,
                a32(a, 3),
            )
        }),
        ("fd_write", "iiii", |c, m, a| {
            fs::fd_io(
                c,
                m,
                fs::Io::Write,
                a32(a, 0),
                a32(a, 1),
                a32(a, 2),
                None,
                a32(a, 3),
            )
        }),
        ("fd_prestat_get", "ii", |c, m, a| {
            fs::fd_prestat_get(c, m, a32(a, 0), a32(a, 1))
        }),
        ("fd_prestat_dir_name", "iii", |c, m, a| {
            fs::fd_prestat_dir_name(c, m, a32(a, 0), a32(a, 1), a32(a, 2))
        }),
        ("fd_readdir", "iiili", |c, m, a| {
            fs::fd_readdir(c, m, a32(a, 0), a32(a, 1), a32(a, 2), a64(a, 3), a32(a, 4))
        }),
        ("fd_renumber", "ii", |c, _, a| {
            fs::fd_renumber(c, a32(a, 0), a32(a, 1))
        }),
        ("fd_seek", "ilii", |c, m, a| {
            fs::fd_seek(c, m, a32(a, 0), a64(a, 1) as i64, a32(a, 2), a32(a, 3))
        }),
        ("fd_tell", "ii", |c, m, a| {
            fs::fd_tell(c, m, a32(a, 0), a32(a, 1))
        }),
        ("path_create_directory", "iii", |c, m, a| {
            fs::path_create_directory(c, m, a32(a, 0), a32(a, 1), a32(a, 2))
        }),
        ("path_remove_directory", "iii", |c, m, a| {
            fs::path_remove_directory(c, m, a32(a, 0), a32(a, 1), a32(a, 2))
        }),
        ("path_unlink_file", "iii", |c, m, a| {
            fs::path_unlink_file(c, m, a32(a, 0), a32(a, 1), a32(a, 2))
        }),
        ("path_filestat_get", "iiiii", |c, m, a| {
            fs::path_filestat_get(c, m, a32(a, 0), a32(a, 1), a32(a, 2), a32(a, 3), a32(a, 4))
        }),
        (
            "path_filestat_set_times",
            "iiiilli",
            fs::path_filestat_set_times,
        ),
        ("path_link", "iiiiiii", fs::path_link),
        ("path_open", "iiiiillii", fs::path_open),
        ("path_readlink", "iiiiii", fs::path_readlink),
        ("path_rename", "iiiiii", fs::path_rename),
        ("path_symlink", "iiiii", fs::path_symlink),
        ("poll_oneoff", "iiii", |c, m, a| {
            poll::poll_oneoff(c, m, a32(a, 0), a32(a, 1), a32(a, 2), a32(a, 3))
        }),
        ("proc_raise", "i", |_, _, _| Err(Errno::Notsup)),
        ("sched_yield", "", |_, _, _| {
            std::thread::yield_now();
            Ok(())
        }),
        ("random_get", "ii", |_, m, a| {
            random_get(m, a32(a, 0), a32(a, 1))
        }),
        ("sock_accept", "iii", |c, _, a| no_socket(c, a32(a, 0))),
        ("sock_recv", "iiiiii", |c, _, a| no_socket(c, a32(a, 0))),
        ("sock_send", "iiiii", |c, _, a| no_socket(c, a32(a, 0))),
        ("sock_shutdown", "ii", |c, _, a| no_socket(c, a32(a, 0))),
    ];
    for &(name, sig, h) in table {
        define(linker, get, name, sig, h)?;
    }
    let ty = FuncType::new([ValType::I32], []);
    linker.func_raw(MODULE, "proc_exit", ty, move |mut caller, slots| {
        let code = slots.first().map_or(0, |&s| s as u32 as i32);
        get(caller.data_mut()).exit_code = Some(code);
        Err(Error::exit(code))
    })?;
    Ok(())
}

impl WasiCtx {
    /// Whether descriptor `fd` is open.
    pub fn is_open(&self, fd: u32) -> bool {
        self.fds.contains_key(&fd)
    }

    /// Whether descriptor `fd` is a preopened directory.
    pub fn is_preopen(&self, fd: u32) -> bool {
        matches!(
            self.fds.get(&fd).map(|e| &e.kind),
            Some(Kind::Dir {
                preopen: Some(_),
                ..
            })
        )
    }
}
