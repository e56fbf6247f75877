//! Executable memory for compiled code, under W^X.
//!
//! This module owns the page-aligned mappings that hold machine code:
//! [`CodeMemory`] holds code known at once (a module compiled ahead of time,
//! a trampoline, one optimized function); [`CodeChunk`] receives code one
//! piece at a time (lazily compiled functions) while earlier pieces run.
//!
//! Invariants:
//! - No mapping is ever writable and executable at once. A [`CodeMemory`]
//!   is created read-write, the code is copied in, and it is switched to
//!   read+execute before any pointer into it is handed out; it is never made
//!   writable again. A [`CodeChunk`] either does the same page by page, or
//!   maps a memory file read+execute only and writes the file with
//!   `pwrite` (see its docs).
//! - Code handed out is never written again: a chunk only writes bytes past
//!   every piece it has handed out.
//! - The mapping lives until the [`CodeMemory`] or [`CodeChunk`] is dropped.
//!   Any trap registration ([`crate::traphandlers::CodeRegistration`])
//!   covering it must be dropped first.

use std::io;

use memmap2::{Mmap, MmapMut};

/// A read+execute mapping holding a copy of some machine code.
pub struct CodeMemory {
    /// The read+execute mapping; its length is at least `len`.
    map: Mmap,
    /// Bytes of code (the mapping may be longer, rounded up to pages).
    len: usize,
}

impl std::fmt::Debug for CodeMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeMemory")
            .field("start", &self.map.as_ptr())
            .field("len", &self.len)
            .finish()
    }
}

impl CodeMemory {
    /// Maps fresh pages read-write, copies `code` in, then makes them
    /// read+execute.
    ///
    /// On AArch64 the caller must also keep the instruction cache coherent;
    /// x86-64 needs nothing more.
    pub fn new(code: &[u8]) -> io::Result<CodeMemory> {
        // Map at least one byte so even empty code has a valid address.
        let mut map = MmapMut::map_anon(code.len().max(1))?;
        map[..code.len()].copy_from_slice(code);
        let map = map.make_exec()?;
        Ok(CodeMemory {
            map,
            len: code.len(),
        })
    }

    /// Address of the first byte of code.
    pub fn as_ptr(&self) -> *const u8 {
        self.map.as_ptr()
    }

    /// Bytes of code.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no code.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `(start, end)` addresses of the code, end exclusive.
    pub fn range(&self) -> (usize, usize) {
        let start = self.as_ptr() as usize;
        (start, start + self.len)
    }
}

/// Address space for code added piece by piece ([`CodeChunk::push`]) while
/// earlier pieces may be running.
///
/// Two layouts, chosen when the chunk is made:
/// - *Packed* (Linux, when the kernel allows executable memfd mappings):
///   the chunk is a memory file mapped once read+execute, for good, and a
///   piece is written into the file with `pwrite`, so no writable mapping
///   of the code exists at any time. Pieces are packed at 64-byte alignment
///   (each starts on a fresh cache line; the bytes written were never
///   executed), like code compiled ahead of time.
/// - *Paged* (elsewhere): an inaccessible reservation whose pages go from
///   inaccessible to read-write (for the copy) to read+execute, never back;
///   each piece starts on a fresh page, since the previous piece's page may
///   be running. Small pieces waste most of a page, and many pieces each at
///   the start of a page compete for the same cache sets.
pub struct CodeChunk {
    /// Start of the read+execute (packed) or reserved (paged) range.
    base: *mut u8,
    /// Bytes mapped (a multiple of the page size).
    size: usize,
    /// Bytes handed out so far.
    used: usize,
    /// The memory file of a packed chunk.
    file: Option<std::os::fd::OwnedFd>,
}

// SAFETY: the chunk owns its mappings exclusively; pushing needs `&mut self`,
// and the code it holds is immutable once pushed.
unsafe impl Send for CodeChunk {}
// SAFETY: as above; `&self` only reads addresses.
unsafe impl Sync for CodeChunk {}

impl std::fmt::Debug for CodeChunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeChunk")
            .field("start", &self.base)
            .field("size", &self.size)
            .field("used", &self.used)
            .field("packed", &self.is_packed())
            .finish()
    }
}

/// The system's page size.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// Alignment of the pieces of a packed chunk (a cache line; loop headers
/// inside functions are aligned to it too).
const PACKED_ALIGN: usize = 64;

impl CodeChunk {
    /// Room for at least `size` bytes of code (rounded up to pages): packed
    /// if the system allows it, else paged.
    pub fn new(size: usize) -> io::Result<CodeChunk> {
        let size = size.max(1).next_multiple_of(page_size());
        match Self::packed(size) {
            Some(chunk) => Ok(chunk),
            None => Self::paged(size),
        }
    }

    /// A packed chunk, or `None` when the system refuses one.
    #[cfg(target_os = "linux")]
    fn packed(size: usize) -> Option<CodeChunk> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // SAFETY: the name is a NUL-terminated string; the descriptor
        // returned is ours alone.
        let fd = unsafe { libc::memfd_create(c"strata-code".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { OwnedFd::from_raw_fd(fd) };
        let len = libc::off_t::try_from(size).ok()?;
        // SAFETY: resizing our own memory file (sparse: no memory is used
        // until pages are written).
        if unsafe { libc::ftruncate(file.as_raw_fd(), len) } != 0 {
            return None;
        }
        // SAFETY: a fresh shared mapping of our file at an address of the
        // kernel's choice touches no existing memory.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_EXEC,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        Some(CodeChunk {
            base: base.cast(),
            size,
            used: 0,
            file: Some(file),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn packed(_size: usize) -> Option<CodeChunk> {
        None
    }

    /// A paged chunk (see the type's docs).
    pub fn paged(size: usize) -> io::Result<CodeChunk> {
        let size = size.max(1).next_multiple_of(page_size());
        // SAFETY: an anonymous private mapping at an address of the
        // kernel's choice touches no existing memory.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(CodeChunk {
            base: base.cast(),
            size,
            used: 0,
            file: None,
        })
    }

    /// Whether pieces are packed (see the type's docs).
    pub fn is_packed(&self) -> bool {
        self.file.is_some()
    }

    /// Where the next piece of `len` bytes would start, and the offset one
    /// past the space it takes, if it fits.
    fn place(&self, len: usize) -> Option<(usize, usize)> {
        let (start, taken) = if self.is_packed() {
            (self.used.next_multiple_of(PACKED_ALIGN), len)
        } else {
            (self.used, len.max(1).next_multiple_of(page_size()))
        };
        let end = start.checked_add(taken)?;
        (end <= self.size).then_some((start, end))
    }

    /// Whether a piece of `len` bytes fits.
    pub fn fits(&self, len: usize) -> bool {
        self.place(len).is_some()
    }

    /// How many more pieces fit at most.
    pub fn max_pieces(&self) -> usize {
        let unit = if self.is_packed() {
            PACKED_ALIGN
        } else {
            page_size()
        };
        (self.size - self.used).div_ceil(unit)
    }

    /// `(start, end)` addresses of the whole chunk, end exclusive.
    pub fn range(&self) -> (usize, usize) {
        let start = self.base as usize;
        (start, start + self.size)
    }

    /// Copies `code` into the chunk, executable when this returns; returns
    /// its offset from the start of the chunk. Fails (changing nothing)
    /// when it does not fit ([`CodeChunk::fits`]).
    ///
    /// On AArch64 the caller must also keep the instruction cache coherent;
    /// x86-64 needs nothing more.
    pub fn push(&mut self, code: &[u8]) -> io::Result<usize> {
        let Some((offset, end)) = self.place(code.len()) else {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                "the code chunk is full",
            ));
        };
        match &self.file {
            Some(file) => write_through_file(file, offset, code)?,
            None => self.write_paged(offset, end - offset, code)?,
        }
        self.used = end;
        Ok(offset)
    }

    /// Paged: `[offset, offset + len)` (whole pages) gets `code`.
    fn write_paged(&mut self, offset: usize, len: usize, code: &[u8]) -> io::Result<()> {
        // SAFETY: `[offset, offset + len)` lies inside our reservation and
        // its pages were never handed out, so no code runs there and no
        // reference points into them.
        unsafe {
            let start = self.base.add(offset);
            if libc::mprotect(start.cast(), len, libc::PROT_READ | libc::PROT_WRITE) != 0 {
                return Err(io::Error::last_os_error());
            }
            std::ptr::copy_nonoverlapping(code.as_ptr(), start, code.len());
            if libc::mprotect(start.cast(), len, libc::PROT_READ | libc::PROT_EXEC) != 0 {
                let e = io::Error::last_os_error();
                // Leave them inaccessible rather than writable.
                libc::mprotect(start.cast(), len, libc::PROT_NONE);
                return Err(e);
            }
        }
        Ok(())
    }
}

/// Packed: writes `code` at `offset` of the memory file with `pwrite`,
/// which goes to the file's pages without any writable mapping.
fn write_through_file(file: &std::os::fd::OwnedFd, offset: usize, code: &[u8]) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let mut done = 0;
    while done < code.len() {
        let at = libc::off_t::try_from(offset + done)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "code offset"))?;
        let rest = &code[done..];
        // SAFETY: writes `rest.len()` bytes from a live slice to our file.
        let n = unsafe { libc::pwrite(file.as_raw_fd(), rest.as_ptr().cast(), rest.len(), at) };
        match n {
            n if n > 0 => done += n as usize,
            0 => return Err(io::Error::new(io::ErrorKind::WriteZero, "short code write")),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

impl Drop for CodeChunk {
    fn drop(&mut self) {
        // SAFETY: we own the mapping; by the module's invariants no code in
        // it runs any more and it is no longer registered.
        unsafe { libc::munmap(self.base.cast(), self.size) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the piece at `addr` (a lone `mov eax, imm32; ret`).
    fn run(addr: usize) -> u32 {
        // SAFETY: the caller passes the address of such a piece, executable.
        let f: extern "C" fn() -> u32 = unsafe { std::mem::transmute(addr) };
        f()
    }

    fn piece(value: u32) -> Vec<u8> {
        let mut code = vec![0xb8];
        code.extend_from_slice(&value.to_le_bytes());
        code.push(0xc3);
        code
    }

    #[test]
    fn a_paged_chunk_puts_each_piece_on_pages_of_its_own() {
        let page = page_size();
        let mut c = CodeChunk::paged(3 * page).unwrap();
        assert!(!c.is_packed());
        assert_eq!(c.max_pieces(), 3);
        let a = c.push(&piece(7)).unwrap();
        let b = c.push(&vec![0xcc; page + 1]).unwrap();
        assert_eq!((a, b), (0, page));
        assert!(!c.fits(1));
        assert!(c.push(&[0xc3]).is_err());
        let (start, end) = c.range();
        assert_eq!(end - start, 3 * page);
        assert_eq!(run(start + a), 7);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_packed_chunk_packs_pieces_at_cache_line_alignment() {
        let page = page_size();
        let mut c = CodeChunk::new(2 * page).unwrap();
        assert!(c.is_packed(), "memfd code mappings refused here");
        let a = c.push(&piece(1)).unwrap();
        let b = c.push(&piece(2)).unwrap();
        // A piece across the page boundary.
        let big = vec![0x90; page - 20];
        let d = c.push(&big).unwrap();
        let e = c.push(&piece(3)).unwrap();
        assert_eq!((a, b, d), (0, 64, 128));
        assert_eq!(e, (128 + page - 20).next_multiple_of(64));
        assert!(e > page);
        let (start, _) = c.range();
        // Earlier pieces keep running while later ones are written.
        assert_eq!(run(start + a), 1);
        assert_eq!(run(start + b), 2);
        assert_eq!(run(start + e), 3);
        assert_eq!(run(start + a), 1);
        assert!(!c.fits(page));
        assert!(c.push(&vec![0x90; page]).is_err());
        assert_eq!(run(start + b), 2);
    }

    #[test]
    fn copies_and_is_page_aligned() {
        let code = [0xc3u8, 0x90, 0x90];
        let m = CodeMemory::new(&code).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m.as_ptr() as usize % 4096, 0);
        // SAFETY: the mapping is readable and holds `len` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(m.as_ptr(), m.len()) };
        assert_eq!(bytes, &code);
        let (s, e) = m.range();
        assert_eq!(e - s, 3);
    }

    #[test]
    fn empty_code() {
        let m = CodeMemory::new(&[]).unwrap();
        assert!(m.is_empty());
    }

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<CodeMemory>();
    }
}
