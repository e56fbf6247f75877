//! Executable memory for compiled code, under W^X.
//!
//! This module owns the page-aligned mappings that hold machine code.
//!
//! Invariants:
//! - A mapping is never writable and executable at once: it is created
//!   read-write, the code is copied in, and it is then switched to
//!   read+execute before any pointer into it is handed out. It is never made
//!   writable again.
//! - The mapping lives until the [`CodeMemory`] is dropped. Any trap
//!   registration ([`crate::traphandlers::CodeRegistration`]) covering it must
//!   be dropped first.

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

#[cfg(test)]
mod tests {
    use super::*;

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
