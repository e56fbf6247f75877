// Shared by the wasi_*.rs tests: a module that wraps every WASI import in an
// exported function of the same name (so the import is called from Wasm,
// with the instance's memory), plus helpers to poke at that memory.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use strata_runtime::wasi::{self, WasiCtx, WasiCtxBuilder};
use strata_runtime::*;

pub const SIGS: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "ili"),
    ("fd_advise", "illi"),
    ("fd_allocate", "ill"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_sync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "ill"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "il"),
    ("fd_filestat_set_times", "illi"),
    ("fd_pread", "iiili"),
    ("fd_pwrite", "iiili"),
    ("fd_read", "iiii"),
    ("fd_write", "iiii"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_readdir", "iiili"),
    ("fd_renumber", "ii"),
    ("fd_seek", "ilii"),
    ("fd_tell", "ii"),
    ("path_create_directory", "iii"),
    ("path_remove_directory", "iii"),
    ("path_unlink_file", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiilli"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiillii"),
    ("path_readlink", "iiiiii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("poll_oneoff", "iiii"),
    ("sched_yield", ""),
    ("random_get", "ii"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
];

fn wat() -> String {
    let mut s = String::from("(module\n");
    let ty = |c: char| if c == 'l' { "i64" } else { "i32" };
    for (name, sig) in SIGS {
        let params: Vec<&str> = sig.chars().map(ty).collect();
        s += &format!(
            "(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {}) (result i32)))\n",
            params.join(" ")
        );
    }
    s += "(import \"wasi_snapshot_preview1\" \"proc_exit\" (func $proc_exit (param i32)))\n";
    s += "(memory (export \"memory\") 2)\n(global $after (export \"after\") (mut i32) (i32.const 0))\n";
    for (name, sig) in SIGS {
        let params: Vec<&str> = sig.chars().map(ty).collect();
        let gets: String = (0..params.len())
            .map(|i| format!("local.get {i} "))
            .collect();
        s += &format!(
            "(func (export \"{name}\") (param {}) (result i32) {gets} call ${name})\n",
            params.join(" ")
        );
    }
    s += "(func (export \"exit\") (param i32) local.get 0 call $proc_exit i32.const 1 global.set $after)\n";
    s += "(func (export \"exit_nested\") (param i32) local.get 0 call $inner i32.const 2 global.set $after)\n";
    s += "(func $inner (param i32) local.get 0 call $proc_exit i32.const 3 global.set $after)\n";
    s += ")";
    s
}

pub struct G {
    pub store: Store<WasiCtx>,
    pub inst: Instance,
    pub mem: Memory,
    /// The next free byte of the scratch area.
    next: u32,
}

pub const OUT: u32 = 0x100;

impl G {
    pub fn new(ctx: WasiCtx) -> G {
        let engine = Engine::default();
        let module = Module::new(&engine, wat()).unwrap();
        let mut linker = Linker::new(&engine);
        wasi::add_to_linker(&mut linker, |c: &mut WasiCtx| c).unwrap();
        let mut store = Store::new(&engine, ctx);
        let inst = linker.instantiate(&mut store, &module).unwrap();
        let mem = inst.get_memory(&mut store, "memory").unwrap();
        G {
            store,
            inst,
            mem,
            next: 0x1000,
        }
    }

    pub fn with(b: WasiCtxBuilder) -> G {
        G::new(b.build())
    }

    /// Calls the wrapper of import `name`; i32 and i64 arguments are both
    /// given as i64 and narrowed to the signature.
    pub fn call(&mut self, name: &str, args: &[i64]) -> i32 {
        let sig = SIGS.iter().find(|s| s.0 == name).unwrap().1;
        assert_eq!(sig.len(), args.len(), "{name} arity");
        let vals: Vec<Val> = sig
            .chars()
            .zip(args)
            .map(|(c, &a)| {
                if c == 'l' {
                    Val::I64(a)
                } else {
                    Val::I32(a as i32)
                }
            })
            .collect();
        let f = self.inst.get_func(&mut self.store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut self.store, &vals, &mut out).unwrap();
        match out[0] {
            Val::I32(x) => x,
            _ => unreachable!(),
        }
    }

    /// Copies `bytes` to fresh scratch memory: (pointer, length).
    pub fn put(&mut self, bytes: &[u8]) -> (i64, i64) {
        let p = self.next;
        self.mem.write(&mut self.store, p as usize, bytes).unwrap();
        self.next += (bytes.len() as u32 + 8) & !7;
        (p as i64, bytes.len() as i64)
    }

    pub fn read(&self, ptr: u32, len: usize) -> Vec<u8> {
        let mut b = vec![0; len];
        self.mem.read(&self.store, ptr as usize, &mut b).unwrap();
        b
    }
    pub fn u32(&self, ptr: u32) -> u32 {
        u32::from_le_bytes(self.read(ptr, 4).try_into().unwrap())
    }
    pub fn u64(&self, ptr: u32) -> u64 {
        u64::from_le_bytes(self.read(ptr, 8).try_into().unwrap())
    }
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) {
        self.mem
            .write(&mut self.store, ptr as usize, bytes)
            .unwrap();
    }
    pub fn ctx(&self) -> &WasiCtx {
        self.store.data()
    }

    /// path_open beneath `dir`: Ok(new fd) or Err(errno).
    pub fn open(
        &mut self,
        dir: i64,
        follow: bool,
        path: &str,
        oflags: i64,
        base: i64,
        fdflags: i64,
    ) -> Result<u32, i32> {
        let (p, l) = self.put(path.as_bytes());
        let e = self.call(
            "path_open",
            &[
                dir,
                follow as i64,
                p,
                l,
                oflags,
                base,
                -1,
                fdflags,
                OUT as i64,
            ],
        );
        if e == 0 { Ok(self.u32(OUT)) } else { Err(e) }
    }

    /// Writes `data` through an iovec: (errno, bytes written).
    pub fn write_fd(&mut self, fd: i64, data: &[u8]) -> (i32, u32) {
        let (p, l) = self.put(data);
        let mut iov = Vec::new();
        iov.extend_from_slice(&(p as u32).to_le_bytes());
        iov.extend_from_slice(&(l as u32).to_le_bytes());
        let (iv, _) = self.put(&iov);
        let e = self.call("fd_write", &[fd, iv, 1, OUT as i64]);
        (e, self.u32(OUT))
    }

    /// Reads up to `n` bytes through two iovecs: (errno, bytes).
    pub fn read_fd(&mut self, fd: i64, n: u32) -> (i32, Vec<u8>) {
        let (buf, _) = self.put(&vec![0; n as usize]);
        let half = n / 2;
        let mut iov = Vec::new();
        for (p, l) in [(buf as u32, half), (buf as u32 + half, n - half)] {
            iov.extend_from_slice(&p.to_le_bytes());
            iov.extend_from_slice(&l.to_le_bytes());
        }
        let (iv, _) = self.put(&iov);
        let e = self.call("fd_read", &[fd, iv, 2, OUT as i64]);
        let got = self.u32(OUT);
        (e, self.read(buf as u32, got as usize))
    }

    /// A one-argument path call (`path_create_directory` and the like).
    pub fn path_call(&mut self, name: &str, dir: i64, path: &str) -> i32 {
        let (p, l) = self.put(path.as_bytes());
        self.call(name, &[dir, p, l])
    }
}

/// A fresh empty host directory.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "strata-wasi-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// errno values
pub const BADF: i32 = 8;
pub const EXIST: i32 = 20;
pub const FAULT: i32 = 21;
pub const INVAL: i32 = 28;
pub const ISDIR: i32 = 31;
pub const LOOP: i32 = 32;
pub const NOENT: i32 = 44;
pub const NOTDIR: i32 = 54;
pub const NOTEMPTY: i32 = 55;
pub const NOTSOCK: i32 = 57;
pub const PERM: i32 = 63;
pub const NOTCAPABLE: i32 = 76;

// rights
pub const FD_READ: i64 = 1 << 1;
pub const FD_SEEK: i64 = 1 << 2;
pub const FD_WRITE: i64 = 1 << 6;
pub const ALL: i64 = -1;
