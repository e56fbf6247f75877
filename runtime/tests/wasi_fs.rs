//! WASI: files and directories beneath a preopened directory, and the
//! sandbox around it.

#[path = "wasi_support/harness.rs"]
mod harness;

use std::fs;
use std::path::Path;

use harness::*;
use strata_runtime::wasi::{self, WasiCtxBuilder};

const CREAT: i64 = 1;
const DIRECTORY: i64 = 2;
const EXCL: i64 = 4;
const TRUNC: i64 = 8;

fn sandbox(tag: &str) -> (std::path::PathBuf, std::path::PathBuf, G) {
    let root = temp_dir(tag);
    let sb = root.join("sb");
    fs::create_dir(&sb).unwrap();
    let g = G::with(
        WasiCtxBuilder::new()
            .preopened_dir(&sb, "/sandbox")
            .unwrap(),
    );
    (root, sb, g)
}

#[test]
fn prestat_names_the_preopen() {
    let (root, _sb, mut g) = sandbox("prestat");
    assert_eq!(g.call("fd_prestat_get", &[3, 0x10]), 0);
    assert_eq!(g.read(0x10, 1)[0], 0);
    assert_eq!(g.u32(0x14), 8);
    assert_eq!(g.call("fd_prestat_dir_name", &[3, 0x40, 8]), 0);
    assert_eq!(g.read(0x40, 8), b"/sandbox");
    assert_eq!(g.call("fd_prestat_dir_name", &[3, 0x40, 3]), 37);
    assert_eq!(g.call("fd_prestat_get", &[4, 0x10]), BADF);
    assert_eq!(g.call("fd_prestat_get", &[1, 0x10]), BADF);
    assert_eq!(g.call("fd_fdstat_get", &[3, 0x40]), 0);
    assert_eq!(g.read(0x40, 1)[0], 3);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn open_and_read_a_file() {
    let (root, sb, mut g) = sandbox("read");
    fs::create_dir(sb.join("d")).unwrap();
    fs::write(sb.join("d/hello.txt"), b"Hello from the host!").unwrap();
    let fd = g
        .open(3, true, "d/hello.txt", 0, FD_READ | FD_SEEK, 0)
        .unwrap();
    assert!(fd >= 4);
    let (e, data) = g.read_fd(fd as i64, 64);
    assert_eq!((e, data.as_slice()), (0, &b"Hello from the host!"[..]));
    assert_eq!(g.read_fd(fd as i64, 64), (0, vec![]));
    // no write right was asked for
    assert_eq!(g.write_fd(fd as i64, b"x").0, NOTCAPABLE);
    assert_eq!(g.call("fd_fdstat_get", &[fd as i64, 0x40]), 0);
    assert_eq!(g.read(0x40, 1)[0], 4);
    assert_eq!(g.u64(0x48) & FD_WRITE as u64, 0);
    assert_eq!(g.call("fd_close", &[fd as i64]), 0);
    assert_eq!(g.call("fd_close", &[fd as i64]), BADF);
    assert_eq!(g.open(3, true, "nope", 0, FD_READ, 0), Err(NOENT));
    assert_eq!(
        g.open(3, true, "d/hello.txt", DIRECTORY, FD_READ, 0),
        Err(NOTDIR)
    );
    assert_eq!(g.open(3, true, "d/hello.txt/x", 0, FD_READ, 0), Err(NOTDIR));
    assert_eq!(g.open(1, true, "d/hello.txt", 0, FD_READ, 0), Err(NOTDIR));
    assert_eq!(g.open(42, true, "d/hello.txt", 0, FD_READ, 0), Err(BADF));
    // `..` that stays inside is fine
    let fd = g
        .open(3, true, "d/../d/./hello.txt", 0, FD_READ, 0)
        .unwrap();
    assert_eq!(g.read_fd(fd as i64, 5), (0, b"Hello".to_vec()));
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn write_seek_tell_pread_pwrite_filestat() {
    let (root, sb, mut g) = sandbox("rw");
    let fd = g.open(3, false, "f.bin", CREAT | EXCL, ALL, 0).unwrap() as i64;
    assert_eq!(g.open(3, false, "f.bin", CREAT | EXCL, ALL, 0), Err(EXIST));
    assert_eq!(g.write_fd(fd, b"0123456789"), (0, 10));
    assert_eq!(g.call("fd_tell", &[fd, 0x10]), 0);
    assert_eq!(g.u64(0x10), 10);
    assert_eq!(g.call("fd_seek", &[fd, -4, 1, 0x10]), 0);
    assert_eq!(g.u64(0x10), 6);
    assert_eq!(g.read_fd(fd, 100), (0, b"6789".to_vec()));
    assert_eq!(g.call("fd_seek", &[fd, 2, 0, 0x10]), 0);
    assert_eq!(g.read_fd(fd, 3), (0, b"234".to_vec()));
    assert_eq!(g.call("fd_seek", &[fd, -1, 2, 0x10]), 0);
    assert_eq!(g.u64(0x10), 9);
    assert_eq!(g.call("fd_seek", &[fd, 0, 7, 0x10]), INVAL);
    assert_eq!(g.call("fd_seek", &[fd, -100, 0, 0x10]), INVAL);

    // pwrite/pread do not move the offset
    let (p, l) = g.put(b"AB");
    g.write(0x30, &(p as u32).to_le_bytes());
    g.write(0x34, &(l as u32).to_le_bytes());
    assert_eq!(g.call("fd_pwrite", &[fd, 0x30, 1, 4, 0x10]), 0);
    assert_eq!(g.u32(0x10), 2);
    g.write(0x30, &0x600u32.to_le_bytes());
    g.write(0x34, &6u32.to_le_bytes());
    assert_eq!(g.call("fd_pread", &[fd, 0x30, 1, 2, 0x10]), 0);
    assert_eq!(g.u32(0x10), 6);
    assert_eq!(g.read(0x600, 6), b"23AB67");
    assert_eq!(g.call("fd_tell", &[fd, 0x10]), 0);
    assert_eq!(g.u64(0x10), 9);
    assert_eq!(fs::read(sb.join("f.bin")).unwrap(), b"0123AB6789");

    // filestat
    assert_eq!(g.call("fd_filestat_get", &[fd, 0x100]), 0);
    let meta = fs::metadata(sb.join("f.bin")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(g.u64(0x100), meta.dev());
    assert_eq!(g.u64(0x108), meta.ino());
    assert_eq!(g.read(0x110, 1)[0], 4);
    assert_eq!(g.u64(0x118), 1);
    assert_eq!(g.u64(0x120), 10);
    assert_eq!(
        g.u64(0x130),
        meta.mtime() as u64 * 1_000_000_000 + meta.mtime_nsec() as u64
    );
    assert_eq!(g.call("fd_filestat_set_size", &[fd, 3]), 0);
    assert_eq!(fs::read(sb.join("f.bin")).unwrap(), b"012");
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd, 0, 5_000_000_000, 4]),
        0
    );
    assert_eq!(fs::metadata(sb.join("f.bin")).unwrap().mtime(), 5);
    assert_eq!(g.call("fd_filestat_set_times", &[fd, 0, 0, 3]), INVAL);
    assert_eq!(g.call("fd_allocate", &[fd, 0, 100]), 0);
    assert_eq!(fs::metadata(sb.join("f.bin")).unwrap().len(), 100);
    assert_eq!(g.call("fd_advise", &[fd, 0, 0, 1]), 0);
    assert_eq!(g.call("fd_advise", &[fd, 0, 0, 9]), INVAL);
    assert_eq!(g.call("fd_sync", &[fd]), 0);
    assert_eq!(g.call("fd_datasync", &[fd]), 0);

    // path_filestat_get, with and without following a link
    std::os::unix::fs::symlink("f.bin", sb.join("ln")).unwrap();
    let (p, l) = g.put(b"ln");
    assert_eq!(g.call("path_filestat_get", &[3, 1, p, l, 0x100]), 0);
    assert_eq!((g.read(0x110, 1)[0], g.u64(0x120)), (4, 100));
    assert_eq!(g.call("path_filestat_get", &[3, 0, p, l, 0x100]), 0);
    assert_eq!(g.read(0x110, 1)[0], 7);
    let (p, l) = g.put(b"missing");
    assert_eq!(g.call("path_filestat_get", &[3, 1, p, l, 0x100]), NOENT);
    let (p, l) = g.put(b"f.bin");
    assert_eq!(
        g.call(
            "path_filestat_set_times",
            &[3, 1, p, l, 7_000_000_000, 9_000_000_000, 5]
        ),
        0
    );
    let m = fs::metadata(sb.join("f.bin")).unwrap();
    assert_eq!((m.atime(), m.mtime()), (7, 9));

    // truncate and append through path_open flags
    let fd2 = g.open(3, false, "f.bin", TRUNC, FD_WRITE, 0).unwrap() as i64;
    assert_eq!(fs::metadata(sb.join("f.bin")).unwrap().len(), 0);
    assert_eq!(g.write_fd(fd2, b"abc"), (0, 3));
    let fd3 = g.open(3, false, "f.bin", 0, FD_WRITE, 1).unwrap() as i64;
    assert_eq!(g.call("fd_fdstat_get", &[fd3, 0x40]), 0);
    assert_eq!(g.read(0x42, 1)[0] & 1, 1);
    assert_eq!(g.write_fd(fd3, b"def"), (0, 3));
    assert_eq!(fs::read(sb.join("f.bin")).unwrap(), b"abcdef");
    // renumber
    assert_eq!(g.call("fd_renumber", &[fd3, fd2]), 0);
    assert_eq!(g.call("fd_close", &[fd3]), BADF);
    assert_eq!(g.write_fd(fd2, b"g"), (0, 1));
    assert_eq!(g.call("fd_renumber", &[fd2, 99]), BADF);
    assert_eq!(fs::read(sb.join("f.bin")).unwrap(), b"abcdefg");
    fs::remove_dir_all(root).unwrap();
}

/// The entries of a fd_readdir buffer: (next cookie, type, name).
fn parse_dirents(buf: &[u8]) -> Vec<(u64, u8, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 24 <= buf.len() {
        let next = u64::from_le_bytes(buf[i..i + 8].try_into().unwrap());
        let namlen = u32::from_le_bytes(buf[i + 16..i + 20].try_into().unwrap()) as usize;
        let ty = buf[i + 20];
        if i + 24 + namlen > buf.len() {
            break;
        }
        let name = String::from_utf8(buf[i + 24..i + 24 + namlen].to_vec()).unwrap();
        out.push((next, ty, name));
        i += 24 + namlen;
    }
    out
}

#[test]
fn directories_create_rename_unlink_readdir() {
    let (root, sb, mut g) = sandbox("dirs");
    assert_eq!(g.path_call("path_create_directory", 3, "a"), 0);
    assert_eq!(g.path_call("path_create_directory", 3, "a/b/"), 0);
    assert_eq!(g.path_call("path_create_directory", 3, "a"), EXIST);
    assert_eq!(g.path_call("path_create_directory", 3, "x/y"), NOENT);
    assert!(sb.join("a/b").is_dir());
    fs::write(sb.join("a/file"), b"1").unwrap();
    assert_eq!(g.path_call("path_remove_directory", 3, "a"), NOTEMPTY);
    assert_eq!(g.path_call("path_unlink_file", 3, "a/b"), ISDIR);
    assert_eq!(g.path_call("path_remove_directory", 3, "a/file"), NOTDIR);

    // rename a file and a directory
    let (o, ol) = g.put(b"a/file");
    let (n, nl) = g.put(b"a/b/moved");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), 0);
    assert_eq!(fs::read(sb.join("a/b/moved")).unwrap(), b"1");
    let (o, ol) = g.put(b"a/b");
    let (n, nl) = g.put(b"c");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), 0);
    assert!(sb.join("c/moved").is_file());

    // readdir of "c" opened as a directory, in small buffers with cookies
    for i in 0..20 {
        fs::write(sb.join(format!("c/entry{i:02}")), b"").unwrap();
    }
    let dfd = g.open(3, true, "c", DIRECTORY, ALL, 0).unwrap() as i64;
    let mut names = Vec::new();
    let mut cookie = 0u64;
    let mut calls = 0;
    loop {
        calls += 1;
        assert!(calls < 200);
        assert_eq!(
            g.call("fd_readdir", &[dfd, 0x2000, 100, cookie as i64, 0x10]),
            0
        );
        let used = g.u32(0x10) as usize;
        let ents = parse_dirents(&g.read(0x2000, used));
        for (next, ty, name) in &ents {
            names.push((name.clone(), *ty));
            cookie = *next;
        }
        if used < 100 {
            break;
        }
        assert!(
            !ents.is_empty(),
            "a 100-byte buffer holds at least one entry"
        );
    }
    let mut just: Vec<&str> = names.iter().map(|n| n.0.as_str()).collect();
    just.sort();
    let mut want: Vec<String> = (0..20).map(|i| format!("entry{i:02}")).collect();
    want.extend([".".into(), "..".into(), "moved".into()]);
    want.sort();
    assert_eq!(just, want);
    assert!(names.iter().any(|(n, t)| n == "moved" && *t == 4));
    assert!(names.iter().any(|(n, t)| n == "." && *t == 3));
    // readdir on a file, and on a directory opened without the right
    assert_eq!(g.call("fd_readdir", &[1, 0x2000, 100, 0, 0x10]), NOTCAPABLE);

    // paths relative to the opened directory
    assert_eq!(g.path_call("path_unlink_file", dfd, "moved"), 0);
    assert!(!sb.join("c/moved").exists());
    for i in 0..20 {
        assert_eq!(
            g.path_call("path_unlink_file", dfd, &format!("entry{i:02}")),
            0
        );
    }
    assert_eq!(g.path_call("path_unlink_file", dfd, "entry00"), NOENT);
    assert_eq!(g.path_call("path_remove_directory", 3, "c"), 0);
    assert_eq!(g.path_call("path_remove_directory", 3, "a"), 0);
    assert_eq!(fs::read_dir(&sb).unwrap().count(), 0);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn symlinks_and_hard_links() {
    let (root, sb, mut g) = sandbox("links");
    fs::write(sb.join("t"), b"target").unwrap();
    let (o, ol) = g.put(b"t");
    let (n, nl) = g.put(b"l");
    assert_eq!(g.call("path_symlink", &[o, ol, 3, n, nl]), 0);
    assert_eq!(fs::read_link(sb.join("l")).unwrap(), Path::new("t"));
    assert_eq!(g.call("path_readlink", &[3, n, nl, 0x300, 64, 0x10]), 0);
    assert_eq!(g.read(0x300, g.u32(0x10) as usize), b"t");
    assert_eq!(g.call("path_readlink", &[3, o, ol, 0x300, 64, 0x10]), INVAL);
    let (h, hl) = g.put(b"h");
    assert_eq!(g.call("path_link", &[3, 0, o, ol, 3, h, hl]), 0);
    assert_eq!(fs::read(sb.join("h")).unwrap(), b"target");
    let fd = g.open(3, true, "l", 0, FD_READ, 0).unwrap();
    assert_eq!(g.read_fd(fd as i64, 6), (0, b"target".to_vec()));
    // not following a final link refuses it
    assert_eq!(g.open(3, false, "l", 0, FD_READ, 0), Err(LOOP));
    assert_eq!(g.path_call("path_unlink_file", 3, "l"), 0);
    assert!(sb.join("t").exists());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn rights_are_honoured() {
    let (root, sb, mut g) = sandbox("rights");
    fs::write(sb.join("f"), b"x").unwrap();
    // drop path_open and path_create_directory from the preopen
    let base = wasi::rights::DIR & !(wasi::rights::PATH_OPEN | wasi::rights::PATH_CREATE_DIRECTORY);
    assert_eq!(g.call("fd_fdstat_set_rights", &[3, base as i64, -1]), 0);
    assert_eq!(g.open(3, true, "f", 0, FD_READ, 0), Err(NOTCAPABLE));
    assert_eq!(g.path_call("path_create_directory", 3, "d"), NOTCAPABLE);
    assert!(!sb.join("d").exists());
    // rights only shrink
    assert_eq!(g.call("fd_fdstat_set_rights", &[3, -1, -1]), NOTCAPABLE);
    fs::remove_dir_all(root).unwrap();
}

/// Every way out of the preopen fails with `perm` and touches nothing.
fn sandbox_escapes(tag: &str) {
    let root = temp_dir(tag);
    let sb = root.join("sb");
    fs::create_dir_all(sb.join("sub")).unwrap();
    fs::write(root.join("secret"), b"outside").unwrap();
    std::os::unix::fs::symlink("../secret", sb.join("escape")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", sb.join("abs")).unwrap();
    std::os::unix::fs::symlink("..", sb.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("../..", sb.join("sub/upup")).unwrap();
    let mut g = G::with(WasiCtxBuilder::new().preopened_dir(&sb, ".").unwrap());

    for path in [
        "../secret",
        "/etc/passwd",
        "escape",
        "abs",
        "sub/../../secret",
        "sub/upup/secret",
        "sub/up/../secret",
        "..",
        "/",
    ] {
        assert_eq!(
            g.open(3, true, path, 0, FD_READ, 0),
            Err(PERM),
            "open {path}"
        );
        assert_eq!(
            g.open(3, false, &format!("{path}/x"), CREAT, ALL, 0),
            Err(PERM),
            "create {path}/x"
        );
        let (p, l) = g.put(path.as_bytes());
        assert_eq!(
            g.call("path_filestat_get", &[3, 1, p, l, 0x100]),
            PERM,
            "stat {path}"
        );
    }
    // a symlink that stays inside is followed
    let fd = g.open(3, true, "sub/up/sub", DIRECTORY, ALL, 0).unwrap();
    assert_eq!(g.call("fd_close", &[fd as i64]), 0);
    // the link itself can be looked at without following
    let (p, l) = g.put(b"escape");
    assert_eq!(g.call("path_filestat_get", &[3, 0, p, l, 0x100]), 0);
    assert_eq!(g.read(0x110, 1)[0], 7);
    assert_eq!(g.open(3, false, "escape", 0, FD_READ, 0), Err(LOOP));

    assert_eq!(g.open(3, false, "../new", CREAT, ALL, 0), Err(PERM));
    assert_eq!(g.open(3, true, "escape", CREAT | TRUNC, ALL, 0), Err(PERM));
    assert_eq!(g.path_call("path_create_directory", 3, "../evil"), PERM);
    assert_eq!(g.path_call("path_create_directory", 3, "/tmp/evil"), PERM);
    assert_eq!(
        g.path_call("path_create_directory", 3, "sub/upup/evil"),
        PERM
    );
    assert_eq!(g.path_call("path_unlink_file", 3, "../secret"), PERM);
    assert_eq!(g.path_call("path_unlink_file", 3, "sub/upup/secret"), PERM);
    assert_eq!(g.path_call("path_remove_directory", 3, "../sb"), PERM);
    assert_eq!(g.path_call("path_remove_directory", 3, ".."), PERM);
    let (o, ol) = g.put(b"../secret");
    let (n, nl) = g.put(b"stolen");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), PERM);
    assert_eq!(g.call("path_rename", &[3, n, nl, 3, o, ol]), PERM);
    assert_eq!(g.call("path_link", &[3, 0, o, ol, 3, n, nl]), PERM);
    let (s, sl) = g.put(b"x");
    assert_eq!(g.call("path_symlink", &[s, sl, 3, o, ol]), PERM);
    let (t, tl) = g.put(b"sub/upup/secret");
    assert_eq!(g.call("path_readlink", &[3, t, tl, 0x300, 64, 0x10]), PERM);
    // removing the escaping link itself is allowed: it is inside
    assert_eq!(g.path_call("path_unlink_file", 3, "escape"), 0);

    // nothing outside was touched
    assert_eq!(fs::read(root.join("secret")).unwrap(), b"outside");
    let mut outside: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    outside.sort();
    assert_eq!(outside, ["sb", "secret"]);
    assert!(!Path::new("/tmp/evil").exists());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn sandbox_escapes_are_refused() {
    sandbox_escapes("escape");
}

#[test]
fn sandbox_escapes_are_refused_without_openat2() {
    wasi::force_manual_resolution(true);
    sandbox_escapes("escape-manual");
    wasi::force_manual_resolution(false);
}

#[test]
fn host_errors_map_to_errno() {
    let (root, sb, mut g) = sandbox("vanish");
    fs::write(sb.join("f"), b"abc").unwrap();
    let fd = g.open(3, true, "f", 0, ALL, 0).unwrap() as i64;
    fs::remove_file(sb.join("f")).unwrap();
    // the open descriptor still works; new lookups do not
    assert_eq!(g.read_fd(fd, 3), (0, b"abc".to_vec()));
    assert_eq!(g.open(3, true, "f", 0, FD_READ, 0), Err(NOENT));
    // the preopen itself vanishing
    fs::remove_dir_all(&sb).unwrap();
    assert_eq!(g.open(3, false, "g", CREAT, ALL, 0), Err(NOENT));
    assert_eq!(g.path_call("path_create_directory", 3, "d"), NOENT);
    // a directory read as a file
    fs::create_dir(&sb).unwrap();
    fs::remove_dir_all(root).unwrap();
}
