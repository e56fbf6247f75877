//! Linear memories with guard pages.
//!
//! This module owns the address-space reservation behind each 32-bit Wasm
//! linear memory and the [`VMMemoryDefinition`] that compiled code reads.
//!
//! Layout of one reservation ([`RESERVATION`] bytes, one `mmap` call):
//!
//! ```text
//!  base - 64 KiB  base                       base + size_bytes            base + 4 GiB          base + 8 GiB + slack
//!   │ PROT_NONE    │ PROT_READ|PROT_WRITE      │ PROT_NONE (room to grow)  │ PROT_NONE guard      │
//!   └──────────────┴───────────────────────────┴───────────────────────────┴──────────────────────┘
//! ```
//!
//! Invariants:
//! - The base never moves: [`LinearMemory::grow`] only `mprotect`s more of the
//!   reservation read-write.
//! - Bytes `[0, size_bytes)` are readable and writable; every byte from
//!   `size_bytes` to the end of the reservation is `PROT_NONE`. Compiled code
//!   computes `base + zext(u32 index) + u32 offset` (at most `8 GiB - 2`) and
//!   accesses at most [`GUARD_SLACK`] bytes from there, so an out-of-bounds
//!   access always faults inside the reservation and never touches another
//!   mapping.
//! - The [`GUARD_BELOW`] bytes below the base are `PROT_NONE` too: compiled
//!   code may address `base + zext(index) - d` (d at most
//!   [`strata_isa_x64::NEGATIVE_HEAP_DISP_MAX`]) for Wasm's `index - d`,
//!   when the engine's memory limit is at most
//!   [`MAX_PAGES_FOR_BOUNDED_HEAP`]: where `index < d` Wasm's
//!   address wraps to at least `4 GiB - d`, past any such memory's end,
//!   and the access faults here instead.
//! - The [`VMMemoryDefinition`] lives in its own heap allocation whose address
//!   is stable for the life of the memory, and always holds the current base
//!   and length.

use std::fmt;
use std::io;
use std::ptr;

/// The size of one Wasm page.
pub const WASM_PAGE_SIZE: usize = 65536;

/// The largest number of pages a 32-bit memory may have (4 GiB).
pub const MAX_WASM_PAGES: u32 = 65536;

/// Bytes addressable by a 32-bit index: 4 GiB.
const INDEX_SPACE: usize = 1 << 32;

/// Guard region after the 4 GiB index space, covering any `u32` static offset.
pub const GUARD_SIZE: usize = 1 << 32;

/// Extra guard bytes past `8 GiB`, so that a wide (up to 64-byte) access that
/// starts just below `base + 8 GiB` still faults inside the reservation.
pub const GUARD_SLACK: usize = WASM_PAGE_SIZE;

/// Inaccessible bytes below the base, for negative displacements (see the
/// module docs).
pub const GUARD_BELOW: usize = WASM_PAGE_SIZE;

/// The largest memory limit (in pages) under which compiled code may
/// assume `strata_isa_x64::CompileOptions::bounded_heap` (folding negative
/// constants, and positive ones after an access, into heap addresses):
/// every memory then ends at least
/// [`strata_isa_x64::NEGATIVE_HEAP_DISP_MAX`] bytes below 4 GiB.
pub const MAX_PAGES_FOR_BOUNDED_HEAP: u32 =
    MAX_WASM_PAGES - strata_isa_x64::NEGATIVE_HEAP_DISP_MAX.div_ceil(WASM_PAGE_SIZE as u32);

// The guard covers every negative displacement compiled code may use.
const _: () = assert!(GUARD_BELOW >= strata_isa_x64::NEGATIVE_HEAP_DISP_MAX as usize);

/// Bytes of address space reserved per linear memory (from
/// `base - GUARD_BELOW`).
pub const RESERVATION: usize = GUARD_BELOW + INDEX_SPACE + GUARD_SIZE + GUARD_SLACK;

/// The view of a linear memory that compiled code reads.
///
/// `base` is at offset 0 and `current_length` (in bytes) at offset 8; the
/// emitters rely on this layout.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory; never changes for a given [`LinearMemory`].
    pub base: *mut u8,
    /// Current accessible size in bytes (a multiple of [`WASM_PAGE_SIZE`]).
    pub current_length: usize,
}

/// Why a [`LinearMemory`] could not be created.
#[derive(Debug)]
pub enum MemoryError {
    /// `mmap` refused to reserve the address space.
    Reservation {
        /// Bytes that were requested.
        size: usize,
        /// The error `mmap` reported.
        error: io::Error,
    },
    /// `mprotect` refused to make the initial pages accessible.
    Protect {
        /// Bytes that were to become read-write.
        size: usize,
        /// The error `mprotect` reported.
        error: io::Error,
    },
    /// The initial size is above the declared maximum.
    InitialAboveMaximum {
        /// Initial pages requested.
        initial: u32,
        /// Declared maximum.
        maximum: u32,
    },
    /// The initial size is above the embedder's limit.
    InitialAboveLimit {
        /// Initial pages requested.
        initial: u32,
        /// The embedder's limit in pages.
        limit: u32,
    },
    /// The initial size is above 65536 pages (4 GiB).
    TooLarge {
        /// Initial pages requested.
        initial: u32,
    },
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryError::Reservation { size, error } => write!(
                f,
                "failed to reserve {size} bytes of address space for a linear memory: {error}"
            ),
            MemoryError::Protect { size, error } => write!(
                f,
                "failed to make {size} bytes of a linear memory accessible: {error}"
            ),
            MemoryError::InitialAboveMaximum { initial, maximum } => write!(
                f,
                "memory initial size {initial} pages is above its maximum {maximum} pages"
            ),
            MemoryError::InitialAboveLimit { initial, limit } => write!(
                f,
                "memory initial size {initial} pages is above the engine's limit of {limit} pages \
                 (Config::memory_limit_pages)"
            ),
            MemoryError::TooLarge { initial } => write!(
                f,
                "memory initial size {initial} pages is above {MAX_WASM_PAGES} pages"
            ),
        }
    }
}

impl std::error::Error for MemoryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MemoryError::Reservation { error, .. } | MemoryError::Protect { error, .. } => {
                Some(error)
            }
            _ => None,
        }
    }
}

/// A 32-bit Wasm linear memory backed by a guard-page reservation.
pub struct LinearMemory {
    /// Start of the reservation (== the memory's base).
    base: *mut u8,
    /// Heap-allocated definition (from `Box::into_raw`), freed in `Drop`.
    definition: *mut VMMemoryDefinition,
    /// Current size in pages.
    pages: u32,
    /// Declared maximum in pages, if any.
    maximum: Option<u32>,
    /// Embedder limit in pages.
    limit: u32,
}

// SAFETY: the reservation and the definition are owned exclusively by this
// value; nothing in it is tied to the creating thread.
unsafe impl Send for LinearMemory {}

impl fmt::Debug for LinearMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearMemory")
            .field("base", &self.base)
            .field("pages", &self.pages)
            .field("maximum", &self.maximum)
            .field("limit", &self.limit)
            .finish()
    }
}

impl LinearMemory {
    /// Reserves [`RESERVATION`] bytes and makes the first `initial_pages`
    /// pages read-write (zeroed).
    ///
    /// `maximum_pages` is the maximum the module declares; `limit_pages` is the
    /// embedder's cap, which `grow` also honours.
    pub fn new(
        initial_pages: u32,
        maximum_pages: Option<u32>,
        limit_pages: u32,
    ) -> Result<Self, MemoryError> {
        if initial_pages > MAX_WASM_PAGES {
            return Err(MemoryError::TooLarge {
                initial: initial_pages,
            });
        }
        if let Some(maximum) = maximum_pages
            && initial_pages > maximum
        {
            return Err(MemoryError::InitialAboveMaximum {
                initial: initial_pages,
                maximum,
            });
        }
        if initial_pages > limit_pages {
            return Err(MemoryError::InitialAboveLimit {
                initial: initial_pages,
                limit: limit_pages,
            });
        }
        // SAFETY: an anonymous PROT_NONE mapping at an address of the
        // kernel's choosing cannot alias any existing Rust object.
        let start = unsafe {
            libc::mmap(
                ptr::null_mut(),
                RESERVATION,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if start == libc::MAP_FAILED {
            return Err(MemoryError::Reservation {
                size: RESERVATION,
                error: io::Error::last_os_error(),
            });
        }
        // SAFETY: `GUARD_BELOW` is inside the reservation just made.
        let base = unsafe { start.cast::<u8>().add(GUARD_BELOW) };
        let definition = Box::into_raw(Box::new(VMMemoryDefinition {
            base,
            current_length: 0,
        }));
        let mut memory = LinearMemory {
            base,
            definition,
            pages: 0,
            maximum: maximum_pages,
            limit: limit_pages,
        };
        let size = pages_to_bytes(initial_pages);
        if let Err(error) = memory.make_accessible(0, size) {
            return Err(MemoryError::Protect { size, error });
        }
        memory.set_pages(initial_pages);
        Ok(memory)
    }

    /// Pointer to this memory's [`VMMemoryDefinition`]; stable for the life
    /// of the memory.
    pub fn definition_ptr(&self) -> *mut VMMemoryDefinition {
        self.definition
    }

    /// Start of the memory; never moves.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// Current size in Wasm pages.
    pub fn size_pages(&self) -> u32 {
        self.pages
    }

    /// Current size in bytes.
    pub fn size_bytes(&self) -> usize {
        pages_to_bytes(self.pages)
    }

    /// The maximum the module declared, if any.
    pub fn maximum_pages(&self) -> Option<u32> {
        self.maximum
    }

    /// Grows the memory by `delta_pages` pages (new pages read as zero).
    ///
    /// Returns the old size in pages, or `None` (Wasm sees `-1`) when the new
    /// size would pass the declared maximum, the embedder's limit or 65536
    /// pages, or when `mprotect` fails. On `None` nothing changed.
    pub fn grow(&mut self, delta_pages: u32) -> Option<u32> {
        let old = self.pages;
        let new = old.checked_add(delta_pages)?;
        if new > MAX_WASM_PAGES || new > self.limit || self.maximum.is_some_and(|m| new > m) {
            return None;
        }
        if delta_pages == 0 {
            return Some(old);
        }
        let from = pages_to_bytes(old);
        let to = pages_to_bytes(new);
        self.make_accessible(from, to - from).ok()?;
        self.set_pages(new);
        Some(old)
    }

    /// The accessible bytes.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `[base, base + size_bytes)` is mapped read-write and owned
        // by `self`; `base` is non-null and page-aligned even when the size
        // is zero.
        unsafe { std::slice::from_raw_parts(self.base, self.size_bytes()) }
    }

    /// The accessible bytes, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` guarantees exclusivity on the
        // Rust side.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.size_bytes()) }
    }

    /// Makes `[offset, offset + len)` of the reservation read-write.
    fn make_accessible(&mut self, offset: usize, len: usize) -> io::Result<()> {
        if len == 0 {
            return Ok(());
        }
        debug_assert!(offset + len <= INDEX_SPACE);
        // SAFETY: the range lies inside our own reservation (offset + len is
        // at most 4 GiB), is page-aligned since both bounds are multiples of
        // the Wasm page size, and no Rust reference covers PROT_NONE bytes.
        let r = unsafe {
            libc::mprotect(
                self.base.add(offset).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Records a new size in `self` and in the definition.
    fn set_pages(&mut self, pages: u32) {
        self.pages = pages;
        // SAFETY: `definition` came from `Box::into_raw` and is freed only in
        // `Drop`; compiled code only reads it while no `&mut self` method runs.
        unsafe {
            (*self.definition).current_length = pages_to_bytes(pages);
        }
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        // SAFETY: `base - GUARD_BELOW` starts our reservation of exactly
        // RESERVATION bytes and `definition` is our boxed definition;
        // neither is used after this.
        unsafe {
            let r = libc::munmap(self.base.sub(GUARD_BELOW).cast(), RESERVATION);
            debug_assert_eq!(r, 0, "munmap of a linear memory failed");
            drop(Box::from_raw(self.definition));
        }
    }
}

/// Bytes in `pages` Wasm pages (at most 4 GiB; no overflow on 64-bit hosts).
fn pages_to_bytes(pages: u32) -> usize {
    pages as usize * WASM_PAGE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_definition() {
        assert_eq!(std::mem::offset_of!(VMMemoryDefinition, base), 0);
        assert_eq!(std::mem::offset_of!(VMMemoryDefinition, current_length), 8);
    }

    #[test]
    fn grow_returns_old_size() {
        let mut m = LinearMemory::new(1, Some(3), 100).unwrap();
        assert_eq!(m.grow(1), Some(1));
        assert_eq!(m.grow(0), Some(2));
        assert_eq!(m.grow(2), None);
        assert_eq!(m.grow(1), Some(2));
        assert_eq!(m.size_pages(), 3);
        // SAFETY: the definition pointer is valid while `m` lives.
        let def = unsafe { &*m.definition_ptr() };
        assert_eq!(def.current_length, 3 * WASM_PAGE_SIZE);
        assert_eq!(def.base, m.base());
    }
}
