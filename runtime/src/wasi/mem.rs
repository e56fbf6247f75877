//! Guest memory access: every pointer and length comes from the guest, so
//! every access is checked and an out-of-range one is `Errno::Fault`.

use super::errno::Errno;

/// The result of a WASI function body.
pub(crate) type WResult<T> = Result<T, Errno>;

/// The calling instance's linear memory (empty when it exports none).
pub(crate) struct GuestMem<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMem<'a> {
    pub(crate) fn new(bytes: &'a mut [u8]) -> Self {
        GuestMem { bytes }
    }

    fn range(&self, ptr: u32, len: usize) -> WResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> WResult<&[u8]> {
        let r = self.range(ptr, len as usize)?;
        Ok(&self.bytes[r])
    }

    /// `len` bytes at `ptr`, mutably.
    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> WResult<&mut [u8]> {
        let r = self.range(ptr, len as usize)?;
        Ok(&mut self.bytes[r])
    }

    /// Copies `data` to `ptr`.
    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> WResult<()> {
        let r = self.range(ptr, data.len())?;
        self.bytes[r].copy_from_slice(data);
        Ok(())
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> WResult<u8> {
        Ok(self.slice(ptr, 1)?[0])
    }
    pub(crate) fn read_u16(&self, ptr: u32) -> WResult<u16> {
        let s = self.slice(ptr, 2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    pub(crate) fn read_u32(&self, ptr: u32) -> WResult<u32> {
        let s = self.slice(ptr, 4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    pub(crate) fn read_u64(&self, ptr: u32) -> WResult<u64> {
        let s = self.slice(ptr, 8)?;
        let mut b = [0u8; 8];
        b.copy_from_slice(s);
        Ok(u64::from_le_bytes(b))
    }
    pub(crate) fn write_u32(&mut self, ptr: u32, v: u32) -> WResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }
    pub(crate) fn write_u64(&mut self, ptr: u32, v: u64) -> WResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A guest string (`ptr`, `len`) as UTF-8 (`ilseq` when it is not).
    pub(crate) fn str(&self, ptr: u32, len: u32) -> WResult<String> {
        let s = self.slice(ptr, len)?;
        std::str::from_utf8(s)
            .map(str::to_string)
            .map_err(|_| Errno::Ilseq)
    }

    /// The `(buf, buf_len)` pairs of an iovec/ciovec array, each checked to
    /// lie inside memory.
    pub(crate) fn iovecs(&self, ptr: u32, count: u32) -> WResult<Vec<(u32, u32)>> {
        let bytes = count.checked_mul(8).ok_or(Errno::Fault)?;
        self.slice(ptr, bytes)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let base = ptr + i * 8;
            let buf = self.read_u32(base)?;
            let len = self.read_u32(base + 4)?;
            self.slice(buf, len)?;
            out.push((buf, len));
        }
        Ok(out)
    }
}

/// A little-endian record under construction (filestat, fdstat, event...).
pub(crate) struct Record(pub(crate) Vec<u8>);

impl Record {
    pub(crate) fn new(size: usize) -> Self {
        Record(vec![0; size])
    }
    pub(crate) fn u8(&mut self, off: usize, v: u8) -> &mut Self {
        self.0[off] = v;
        self
    }
    pub(crate) fn u16(&mut self, off: usize, v: u16) -> &mut Self {
        self.0[off..off + 2].copy_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn u32(&mut self, off: usize, v: u32) -> &mut Self {
        self.0[off..off + 4].copy_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn u64(&mut self, off: usize, v: u64) -> &mut Self {
        self.0[off..off + 8].copy_from_slice(&v.to_le_bytes());
        self
    }
}
