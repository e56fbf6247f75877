//! `poll_oneoff`: clock subscriptions and the readiness of standard input
//! and files.

use std::time::Duration;

use super::clocks;
use super::ctx::{Input, Kind, WasiCtx, rights as r};
use super::errno::Errno;
use super::fs::fstat;
use super::mem::{GuestMem, Record, WResult};

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const SUBCLOCK_ABSTIME: u16 = 1;
const EVENTRWFLAGS_HANGUP: u16 = 1;

struct Event {
    userdata: u64,
    error: Errno,
    ty: u8,
    nbytes: u64,
    flags: u16,
}

impl Event {
    fn record(&self) -> Record {
        let mut rec = Record::new(EVENT_SIZE as usize);
        rec.u64(0, self.userdata)
            .u16(8, self.error.raw())
            .u8(10, self.ty)
            .u64(16, self.nbytes)
            .u16(24, self.flags);
        rec
    }
}

/// How an fd subscription stands right now.
enum Readiness {
    Ready(u64, u16),
    /// Ready when host descriptor 0 is readable.
    HostStdin,
}

fn fd_readiness(ctx: &mut WasiCtx, fd: u32, write: bool) -> WResult<Readiness> {
    let e = ctx.get(fd, r::POLL_FD_READWRITE)?;
    Ok(match (&e.kind, write) {
        (Kind::Stdin(Input::Inherit), false) => Readiness::HostStdin,
        (Kind::Stdin(Input::Null), false) => Readiness::Ready(0, EVENTRWFLAGS_HANGUP),
        (Kind::Stdin(Input::Bytes { data, pos }), false) => {
            let left = data.len().saturating_sub(*pos) as u64;
            Readiness::Ready(left, if left == 0 { EVENTRWFLAGS_HANGUP } else { 0 })
        }
        (Kind::Stdin(_), true) | (Kind::Stdout(_), false) => return Err(Errno::Badf),
        (Kind::Stdout(_), true) => Readiness::Ready(0, 0),
        (Kind::File(f), false) => {
            use std::os::fd::AsRawFd;
            let fd = f.as_raw_fd();
            let size = fstat(fd)?.st_size as u64;
            // SAFETY: plain system call on a descriptor we own.
            let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
            Readiness::Ready(size.saturating_sub(pos.max(0) as u64), 0)
        }
        (Kind::File(_), true) => Readiness::Ready(0, 0),
        (Kind::Dir { .. }, _) => return Err(Errno::Isdir),
    })
}

pub(crate) fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    input: u32,
    output: u32,
    nsubs: u32,
    nevents_out: u32,
) -> WResult<()> {
    if nsubs == 0 {
        return Err(Errno::Inval);
    }
    let in_bytes = nsubs.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?;
    let out_bytes = nsubs.checked_mul(EVENT_SIZE).ok_or(Errno::Fault)?;
    mem.slice(input, in_bytes)?;
    mem.slice(output, out_bytes)?;
    mem.slice(nevents_out, 4)?;

    let mut ready: Vec<Event> = Vec::new();
    // (userdata, deadline on the monotonic clock in ns)
    let mut timers: Vec<(u64, u64)> = Vec::new();
    let mut stdin_waiters: Vec<u64> = Vec::new();
    let start = clocks::now(1)?;
    for i in 0..nsubs {
        let s = input + i * SUBSCRIPTION_SIZE;
        let userdata = mem.read_u64(s)?;
        let tag = mem.read_u8(s + 8)?;
        match tag {
            EVENTTYPE_CLOCK => {
                let id = mem.read_u32(s + 16)?;
                let timeout = mem.read_u64(s + 24)?;
                let flags = mem.read_u16(s + 40)?;
                let clock_now = match clocks::now(id) {
                    Ok(t) => t,
                    Err(e) => {
                        ready.push(Event {
                            userdata,
                            error: e,
                            ty: EVENTTYPE_CLOCK,
                            nbytes: 0,
                            flags: 0,
                        });
                        continue;
                    }
                };
                let rel = if flags & SUBCLOCK_ABSTIME != 0 {
                    timeout.saturating_sub(clock_now)
                } else {
                    timeout
                };
                timers.push((userdata, start.saturating_add(rel)));
            }
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                let fd = mem.read_u32(s + 16)?;
                match fd_readiness(ctx, fd, tag == EVENTTYPE_FD_WRITE) {
                    Ok(Readiness::Ready(nbytes, flags)) => ready.push(Event {
                        userdata,
                        error: Errno::Success,
                        ty: tag,
                        nbytes,
                        flags,
                    }),
                    Ok(Readiness::HostStdin) => stdin_waiters.push(userdata),
                    Err(e) => ready.push(Event {
                        userdata,
                        error: e,
                        ty: tag,
                        nbytes: 0,
                        flags: 0,
                    }),
                }
            }
            _ => return Err(Errno::Inval),
        }
    }

    if ready.is_empty() {
        let deadline = timers.iter().map(|t| t.1).min();
        let wait_ns = deadline.map(|d| d.saturating_sub(clocks::now(1).unwrap_or(start)));
        if !stdin_waiters.is_empty() {
            let ms = match wait_ns {
                None => -1,
                Some(ns) => ns.div_ceil(1_000_000).min(i32::MAX as u64) as i32,
            };
            let mut pfd = libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: `pfd` is one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n < 0 {
                return Err(Errno::last_os());
            }
            if n > 0 {
                let hangup = pfd.revents & libc::POLLHUP != 0;
                for &u in &stdin_waiters {
                    ready.push(Event {
                        userdata: u,
                        error: Errno::Success,
                        ty: EVENTTYPE_FD_READ,
                        nbytes: 1,
                        flags: if hangup { EVENTRWFLAGS_HANGUP } else { 0 },
                    });
                }
            }
        } else if let Some(ns) = wait_ns {
            std::thread::sleep(Duration::from_nanos(ns));
        }
        if ready.is_empty() {
            let now = clocks::now(1)?;
            for &(u, d) in &timers {
                if d <= now || Some(d) == deadline {
                    ready.push(Event {
                        userdata: u,
                        error: Errno::Success,
                        ty: EVENTTYPE_CLOCK,
                        nbytes: 0,
                        flags: 0,
                    });
                }
            }
        }
    } else {
        let now = clocks::now(1)?;
        for &(u, d) in &timers {
            if d <= now {
                ready.push(Event {
                    userdata: u,
                    error: Errno::Success,
                    ty: EVENTTYPE_CLOCK,
                    nbytes: 0,
                    flags: 0,
                });
            }
        }
    }
    for (i, ev) in ready.iter().enumerate() {
        mem.write(output + i as u32 * EVENT_SIZE, &ev.record().0)?;
    }
    mem.write_u32(nevents_out, ready.len() as u32)
}
