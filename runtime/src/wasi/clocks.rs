//! Clocks: realtime, monotonic, process and thread CPU time.

use super::errno::Errno;
use super::mem::{GuestMem, WResult};

/// The host clock of a WASI `clockid`.
pub(crate) fn host_clock(id: u32) -> WResult<libc::clockid_t> {
    Ok(match id {
        0 => libc::CLOCK_REALTIME,
        1 => libc::CLOCK_MONOTONIC,
        2 => libc::CLOCK_PROCESS_CPUTIME_ID,
        3 => libc::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(Errno::Inval),
    })
}

fn ts_nanos(ts: &libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// The time of WASI clock `id` in nanoseconds.
pub(crate) fn now(id: u32) -> WResult<u64> {
    let clock = host_clock(id)?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::last_os());
    }
    Ok(ts_nanos(&ts))
}

pub(crate) fn clock_res_get(mem: &mut GuestMem, id: u32, out: u32) -> WResult<()> {
    let clock = host_clock(id)?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_getres(clock, &mut ts) } != 0 {
        return Err(Errno::last_os());
    }
    mem.write_u64(out, ts_nanos(&ts).max(1))
}

pub(crate) fn clock_time_get(
    mem: &mut GuestMem,
    id: u32,
    _precision: u64,
    out: u32,
) -> WResult<()> {
    mem.slice(out, 8)?;
    let t = now(id)?;
    mem.write_u64(out, t)
}
