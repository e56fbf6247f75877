//! Linear memories and code memory: grow semantics, protections (read from
//! `/proc/self/maps`), and address-space reuse.

use strata_runtime::code_memory::CodeMemory;
use strata_runtime::memory::{GUARD_BELOW, LinearMemory, MemoryError, RESERVATION, WASM_PAGE_SIZE};

/// Permissions (`"rw-p"` etc.) of the mapping containing `addr`.
fn protection_at(addr: usize) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let range = fields.next()?;
        let perms = fields.next()?;
        let (lo, hi) = range.split_once('-')?;
        let lo = usize::from_str_radix(lo, 16).ok()?;
        let hi = usize::from_str_radix(hi, 16).ok()?;
        (lo <= addr && addr < hi).then(|| perms.to_string())
    })
}

#[test]
fn grow_returns_old_size_or_none() {
    let mut m = LinearMemory::new(1, Some(4), 1000).unwrap();
    assert_eq!(m.size_pages(), 1);
    assert_eq!(m.grow(2), Some(1));
    assert_eq!(m.size_pages(), 3);
    assert_eq!(m.grow(2), None, "past the declared maximum");
    assert_eq!(m.size_pages(), 3);
    assert_eq!(m.grow(1), Some(3));
    assert_eq!(m.grow(0), Some(4));
    assert_eq!(m.grow(1), None);
    assert_eq!(m.maximum_pages(), Some(4));
}

#[test]
fn grow_respects_limit_and_4gib() {
    let mut m = LinearMemory::new(0, None, 5).unwrap();
    assert_eq!(m.grow(6), None, "past the limit");
    assert_eq!(m.grow(5), Some(0));
    assert_eq!(m.grow(1), None);

    let mut big = LinearMemory::new(0, None, u32::MAX).unwrap();
    assert_eq!(big.grow(65537), None, "past 65536 pages");
    assert_eq!(big.grow(u32::MAX), None);
    assert_eq!(big.size_pages(), 0);
}

#[test]
fn size_zero_memory() {
    let mut m = LinearMemory::new(0, Some(0), 10).unwrap();
    assert_eq!(m.size_bytes(), 0);
    assert!(m.data().is_empty());
    assert!(m.data_mut().is_empty());
    assert_eq!(m.grow(0), Some(0));
    assert_eq!(m.grow(1), None);
    assert_eq!(protection_at(m.base() as usize).as_deref(), Some("---p"));
}

#[test]
fn initial_size_errors() {
    let e = LinearMemory::new(3, Some(2), 10).unwrap_err();
    assert!(matches!(
        e,
        MemoryError::InitialAboveMaximum {
            initial: 3,
            maximum: 2
        }
    ));
    assert!(e.to_string().contains("maximum"));
    let e = LinearMemory::new(11, None, 10).unwrap_err();
    assert!(matches!(e, MemoryError::InitialAboveLimit { .. }));
    let e = LinearMemory::new(65537, None, u32::MAX).unwrap_err();
    assert!(matches!(e, MemoryError::TooLarge { .. }));
}

#[test]
fn grown_pages_are_zeroed_and_writable() {
    let mut m = LinearMemory::new(1, None, 100).unwrap();
    let base = m.base();
    m.data_mut().fill(0xab);
    assert_eq!(m.grow(2), Some(1));
    assert_eq!(m.base(), base, "the base never moves");
    let data = m.data();
    assert_eq!(data.len(), 3 * WASM_PAGE_SIZE);
    assert!(data[..WASM_PAGE_SIZE].iter().all(|&b| b == 0xab));
    assert!(data[WASM_PAGE_SIZE..].iter().all(|&b| b == 0));
    let last = m.size_bytes() - 1;
    m.data_mut()[last] = 7;
    assert_eq!(m.data()[last], 7);
    // SAFETY: the definition is valid while `m` lives.
    let def = unsafe { &*m.definition_ptr() };
    assert_eq!(def.base, base);
    assert_eq!(def.current_length, 3 * WASM_PAGE_SIZE);
}

#[test]
fn everything_past_the_size_is_prot_none() {
    let mut m = LinearMemory::new(2, None, 100).unwrap();
    let base = m.base() as usize;
    assert_eq!(protection_at(base).as_deref(), Some("rw-p"));
    assert_eq!(
        protection_at(base + m.size_bytes() - 1).as_deref(),
        Some("rw-p")
    );
    assert_eq!(
        protection_at(base + m.size_bytes()).as_deref(),
        Some("---p")
    );
    assert_eq!(protection_at(base + (1 << 32)).as_deref(), Some("---p"));
    // The reservation starts GUARD_BELOW bytes below the base, which are
    // inaccessible too (negative displacements fault there).
    assert_eq!(protection_at(base - 1).as_deref(), Some("---p"));
    assert_eq!(protection_at(base - GUARD_BELOW).as_deref(), Some("---p"));
    assert_eq!(
        protection_at(base - GUARD_BELOW + RESERVATION - 1).as_deref(),
        Some("---p")
    );
    const { assert!(RESERVATION >= (8 << 30) + 16) };
    m.grow(1).unwrap();
    assert_eq!(
        protection_at(base + 2 * WASM_PAGE_SIZE).as_deref(),
        Some("rw-p")
    );
    assert_eq!(
        protection_at(base + 3 * WASM_PAGE_SIZE).as_deref(),
        Some("---p")
    );
}

#[test]
fn many_memories_do_not_exhaust_address_space() {
    for _ in 0..5 {
        let memories: Vec<LinearMemory> = (0..200)
            .map(|_| LinearMemory::new(1, None, 10).unwrap())
            .collect();
        for (i, pair) in memories.windows(2).enumerate() {
            let (a, b) = (pair[0].base() as usize, pair[1].base() as usize);
            assert!(
                a.abs_diff(b) >= RESERVATION,
                "reservations {i} and {} overlap",
                i + 1
            );
        }
        drop(memories);
    }
}

#[test]
fn linear_memory_is_send() {
    fn check<T: Send>() {}
    check::<LinearMemory>();
    let mut m = LinearMemory::new(1, None, 2).unwrap();
    m.data_mut()[0] = 1;
    let m = std::thread::spawn(move || {
        assert_eq!(m.data()[0], 1);
        m
    })
    .join()
    .unwrap();
    assert_eq!(m.size_pages(), 1);
}

#[test]
fn code_memory_is_read_execute() {
    let code = CodeMemory::new(&[0xc3; 100]).unwrap();
    assert_eq!(
        protection_at(code.as_ptr() as usize).as_deref(),
        Some("r-xp")
    );
    let (start, end) = code.range();
    assert_eq!(end - start, 100);
}
