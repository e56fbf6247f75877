//! WASI: arguments, environment, stdio, clocks, randomness, proc_exit,
//! sockets, poll_oneoff and out-of-bounds pointers.

#[path = "wasi_support/harness.rs"]
mod harness;

use harness::*;
use strata_runtime::ErrorKind;
use strata_runtime::wasi::WasiCtxBuilder;

#[test]
fn args_and_environ_round_trip() {
    let mut g = G::with(
        WasiCtxBuilder::new()
            .args(["prog", "a b", ""])
            .env("HOME", "/nowhere")
            .env("X", "1=2"),
    );
    assert_eq!(g.call("args_sizes_get", &[0x10, 0x14]), 0);
    assert_eq!(g.u32(0x10), 3);
    assert_eq!(g.u32(0x14), 5 + 4 + 1);
    assert_eq!(g.call("args_get", &[0x200, 0x300]), 0);
    let ptrs: Vec<u32> = (0..3).map(|i| g.u32(0x200 + 4 * i)).collect();
    assert_eq!(ptrs, [0x300, 0x305, 0x309]);
    assert_eq!(g.read(0x300, 10), b"prog\0a b\0\0");

    assert_eq!(g.call("environ_sizes_get", &[0x10, 0x14]), 0);
    assert_eq!(g.u32(0x10), 2);
    assert_eq!(g.u32(0x14), 14 + 6);
    assert_eq!(g.call("environ_get", &[0x200, 0x400]), 0);
    assert_eq!(g.u32(0x204), 0x400 + 14);
    assert_eq!(g.read(0x400, 20), b"HOME=/nowhere\0X=1=2\0");
}

#[test]
fn nothing_granted_by_default() {
    let mut g = G::with(WasiCtxBuilder::new());
    assert_eq!(g.call("args_sizes_get", &[0x10, 0x14]), 0);
    assert_eq!((g.u32(0x10), g.u32(0x14)), (0, 0));
    assert_eq!(g.call("environ_sizes_get", &[0x10, 0x14]), 0);
    assert_eq!((g.u32(0x10), g.u32(0x14)), (0, 0));
    assert_eq!(g.call("fd_prestat_get", &[3, 0x10]), BADF);
    // stdin is empty, stdout discards
    assert_eq!(g.read_fd(0, 16), (0, vec![]));
    assert_eq!(g.write_fd(1, b"gone"), (0, 4));
}

#[test]
fn fd_write_to_captured_stdout_and_stderr() {
    let mut g = G::with(WasiCtxBuilder::new().capture_stdout().capture_stderr());
    // two ciovecs in one call
    let (a, al) = g.put(b"hello, ");
    let (b, bl) = g.put(b"world\n");
    let mut iov = Vec::new();
    for (p, l) in [(a, al), (b, bl)] {
        iov.extend_from_slice(&(p as u32).to_le_bytes());
        iov.extend_from_slice(&(l as u32).to_le_bytes());
    }
    let (iv, _) = g.put(&iov);
    assert_eq!(g.call("fd_write", &[1, iv, 2, OUT as i64]), 0);
    assert_eq!(g.u32(OUT), 13);
    assert_eq!(g.write_fd(2, b"oops"), (0, 4));
    assert_eq!(g.ctx().stdout(), b"hello, world\n");
    assert_eq!(g.ctx().stderr(), b"oops");
    // reading stdout, writing stdin: bad descriptors for that direction
    assert_eq!(g.read_fd(1, 4).0, NOTCAPABLE);
    assert_eq!(g.write_fd(0, b"x").0, NOTCAPABLE);
    assert_eq!(g.write_fd(9, b"x").0, BADF);
}

#[test]
fn stdin_bytes_and_fdstat() {
    let mut g = G::with(WasiCtxBuilder::new().stdin_bytes(&b"line one\nline two\n"[..]));
    assert_eq!(g.read_fd(0, 9), (0, b"line one\n".to_vec()));
    assert_eq!(g.read_fd(0, 100), (0, b"line two\n".to_vec()));
    assert_eq!(g.read_fd(0, 100), (0, vec![]));
    // fdstat: character device, no seek right (a tty to wasi-libc)
    assert_eq!(g.call("fd_fdstat_get", &[1, 0x40]), 0);
    assert_eq!(g.read(0x40, 1)[0], 2);
    assert_eq!(g.u64(0x48) & FD_SEEK as u64, 0);
    assert_ne!(g.u64(0x48) & FD_WRITE as u64, 0);
    assert_eq!(g.call("fd_seek", &[0, 0, 0, 0x40]), NOTCAPABLE);
    assert_eq!(g.call("fd_fdstat_get", &[7, 0x40]), BADF);
}

#[test]
fn clocks() {
    let mut g = G::with(WasiCtxBuilder::new());
    assert_eq!(g.call("clock_time_get", &[1, 0, 0x20]), 0);
    let t0 = g.u64(0x20);
    std::thread::sleep(std::time::Duration::from_millis(2));
    assert_eq!(g.call("clock_time_get", &[1, 0, 0x20]), 0);
    let t1 = g.u64(0x20);
    assert!(t1 > t0 + 1_000_000, "{t0} {t1}");
    assert_eq!(g.call("clock_time_get", &[0, 0, 0x20]), 0);
    let real = g.u64(0x20);
    let host = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(host.abs_diff(real) < 5_000_000_000);
    for id in 0..4 {
        assert_eq!(g.call("clock_time_get", &[id, 1, 0x20]), 0);
        assert_eq!(g.call("clock_res_get", &[id, 0x28]), 0);
        assert!(g.u64(0x28) >= 1);
    }
    assert_eq!(g.call("clock_time_get", &[4, 0, 0x20]), INVAL);
    assert_eq!(g.call("clock_res_get", &[99, 0x20]), INVAL);
}

#[test]
fn random_get_fills() {
    let mut g = G::with(WasiCtxBuilder::new());
    assert_eq!(g.call("random_get", &[0x400, 256]), 0);
    let a = g.read(0x400, 256);
    assert!(a.iter().filter(|&&b| b == 0).count() < 32);
    assert_eq!(g.call("random_get", &[0x400, 256]), 0);
    assert_ne!(a, g.read(0x400, 256));
    assert_eq!(g.call("random_get", &[0x400, 0]), 0);
}

#[test]
fn proc_exit_stops_execution_with_its_code() {
    for (func, code) in [("exit", 0), ("exit", 3), ("exit_nested", 117), ("exit", -1)] {
        let mut g = G::with(WasiCtxBuilder::new());
        let f = g.inst.get_func(&mut g.store, func).unwrap();
        let err = f
            .call(&mut g.store, &[strata_runtime::Val::I32(code)], &mut [])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Exit);
        assert_eq!(err.exit_code(), Some(code));
        assert_eq!(g.ctx().exit_code(), Some(code));
        let after = g.inst.get_global(&mut g.store, "after").unwrap();
        assert!(
            matches!(after.get(&g.store), strata_runtime::Val::I32(0)),
            "code after proc_exit ran"
        );
        // the store is still usable
        assert_eq!(g.call("sched_yield", &[]), 0);
    }
}

#[test]
fn sockets_are_never_granted() {
    let mut g = G::with(WasiCtxBuilder::new());
    assert_eq!(g.call("sock_accept", &[0, 0, 0x10]), NOTSOCK);
    assert_eq!(g.call("sock_accept", &[42, 0, 0x10]), BADF);
    assert_eq!(g.call("sock_recv", &[1, 0x10, 1, 0, 0x20, 0x24]), NOTSOCK);
    assert_eq!(g.call("sock_send", &[2, 0x10, 1, 0, 0x20]), NOTSOCK);
    assert_eq!(g.call("sock_shutdown", &[1, 3]), NOTSOCK);
    assert_eq!(g.call("sock_shutdown", &[100, 3]), BADF);
}

fn clock_sub(userdata: u64, timeout_ns: u64, abstime: bool) -> Vec<u8> {
    let mut s = vec![0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = 0; // clock
    s[16..20].copy_from_slice(&1u32.to_le_bytes()); // monotonic
    s[24..32].copy_from_slice(&timeout_ns.to_le_bytes());
    s[40..42].copy_from_slice(&(abstime as u16).to_le_bytes());
    s
}

fn fd_sub(userdata: u64, read: bool, fd: u32) -> Vec<u8> {
    let mut s = vec![0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = if read { 1 } else { 2 };
    s[16..20].copy_from_slice(&fd.to_le_bytes());
    s
}

#[test]
fn poll_oneoff_clock_sleeps() {
    let mut g = G::with(WasiCtxBuilder::new());
    let mut subs = clock_sub(0xabcd, 20_000_000, false);
    subs.extend(clock_sub(0x1, 5_000_000_000, false));
    let (p, _) = g.put(&subs);
    let t = std::time::Instant::now();
    assert_eq!(g.call("poll_oneoff", &[p, 0x800, 2, 0x10]), 0);
    let el = t.elapsed();
    assert!(el >= std::time::Duration::from_millis(20), "{el:?}");
    assert!(el < std::time::Duration::from_secs(4), "{el:?}");
    assert_eq!(g.u32(0x10), 1);
    assert_eq!(g.u64(0x800), 0xabcd);
    assert_eq!(&g.read(0x808, 3), &[0, 0, 0]); // errno success, type clock

    // absolute time in the past: immediate
    let (p, _) = g.put(&clock_sub(7, 1, true));
    assert_eq!(g.call("poll_oneoff", &[p, 0x800, 1, 0x10]), 0);
    assert_eq!((g.u32(0x10), g.u64(0x800)), (1, 7));
    assert_eq!(g.call("poll_oneoff", &[p, 0x800, 0, 0x10]), INVAL);
}

#[test]
fn poll_oneoff_fd_readiness() {
    let mut g = G::with(WasiCtxBuilder::new().stdin_bytes(&b"abc"[..]));
    let mut subs = fd_sub(10, true, 0);
    subs.extend(fd_sub(11, false, 1));
    subs.extend(clock_sub(12, 10_000_000_000, false));
    subs.extend(fd_sub(13, true, 77));
    let (p, _) = g.put(&subs);
    let t = std::time::Instant::now();
    assert_eq!(g.call("poll_oneoff", &[p, 0x800, 4, 0x10]), 0);
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(g.u32(0x10), 3);
    assert_eq!(g.u64(0x800), 10);
    assert_eq!(g.read(0x80a, 1)[0], 1);
    assert_eq!(g.u64(0x810), 3); // nbytes available
    assert_eq!(g.u64(0x820), 11);
    assert_eq!(g.read(0x82a, 1)[0], 2);
    assert_eq!(g.u64(0x840), 13);
    assert_eq!(
        u16::from_le_bytes(g.read(0x848, 2).try_into().unwrap()),
        BADF as u16
    );
}

#[test]
fn out_of_bounds_pointers_are_efault() {
    let mut g = G::with(
        WasiCtxBuilder::new()
            .args(["prog", "x"])
            .capture_stdout()
            .stdin_bytes(&b"data"[..]),
    );
    let end = 2 * 65536i64;
    assert_eq!(g.call("args_sizes_get", &[end, 0]), FAULT);
    assert_eq!(g.call("args_sizes_get", &[0, end - 2]), FAULT);
    assert_eq!(g.call("args_get", &[end - 4, 0]), FAULT);
    assert_eq!(g.call("args_get", &[0, end - 3]), FAULT);
    assert_eq!(g.call("environ_get", &[end, end]), 0); // nothing to write
    assert_eq!(g.call("clock_time_get", &[1, 0, end - 7]), FAULT);
    assert_eq!(g.call("clock_time_get", &[1, 0, -1]), FAULT);
    assert_eq!(g.call("random_get", &[end - 10, 11]), FAULT);
    assert_eq!(g.call("random_get", &[-1, -1]), FAULT);
    // iovec array out of range, iovec pointing out of range, result out of range
    assert_eq!(g.call("fd_write", &[1, end - 4, 1, 0x10]), FAULT);
    assert_eq!(g.call("fd_write", &[1, 0, -1, 0x10]), FAULT);
    g.write(0x20, &[0xf0, 0xff, 0xff, 0xff, 0x20, 0, 0, 0]);
    assert_eq!(g.call("fd_write", &[1, 0x20, 1, 0x10]), FAULT);
    g.write(0x20, &[0x00, 0x10, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(g.call("fd_write", &[1, 0x20, 1, 0x10]), FAULT);
    assert_eq!(g.call("fd_read", &[0, 0x20, 1, 0x10]), FAULT);
    g.write(0x20, &[0x00, 0x10, 0, 0, 4, 0, 0, 0]);
    assert_eq!(g.call("fd_write", &[1, 0x20, 1, end]), FAULT);
    assert!(g.ctx().stdout().is_empty(), "nothing written on a fault");
    assert_eq!(g.call("fd_read", &[0, 0x20, 1, end]), FAULT);
    assert_eq!(g.call("fd_fdstat_get", &[1, end - 23]), FAULT);
    assert_eq!(g.call("fd_filestat_get", &[1, end - 63]), FAULT);
    assert_eq!(g.call("poll_oneoff", &[end - 47, 0, 1, 0x10]), FAULT);
    assert_eq!(g.call("poll_oneoff", &[0, 0, 0x7fff_ffff, 0x10]), FAULT);
    assert_eq!(
        g.call("path_open", &[3, 0, -1, 5, 0, -1, -1, 0, 0x10]),
        FAULT
    );
    // still alive and well
    assert_eq!(g.write_fd(1, b"ok").0, 0);
    assert_eq!(g.ctx().stdout(), b"ok");
}
