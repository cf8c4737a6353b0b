//! Whole numbers packed bit by bit: how a run keeps each replication's monthly records.
//!
//! Every number a replication records is a whole count below 2^32, and most change little from
//! month to month, so each row (one quantity over the months, or over the financial years) is
//! stored in the fewer bits of two ways: as offsets from the row's smallest value, or as the
//! differences from month to month (zigzag-encoded). A row is a header byte (bit 7: differences;
//! bits 0-5: the bit width), the base (the smallest value, or the first) as LEB128, then the
//! values at that width, least significant bit first. A row of zeros takes two bytes; a count
//! of entries to care a month about six bits a month instead of the eight bytes of an `f64`.
//! Values come back exactly, so every figure computed from them is unchanged.

/// Append `values` packed to `out`.
pub(crate) fn pack_row(values: &[u32], out: &mut Vec<u8>) {
    pack_marked_row(values, false, out);
}

/// Append `values` packed to `out`, with a mark (header bit 6) that [`unpack_row`] gives back:
/// what the values mean is the caller's.
pub(crate) fn pack_marked_row(values: &[u32], marked: bool, out: &mut Vec<u8>) {
    let mark = if marked { 0x40 } else { 0 };
    let Some((&first, rest)) = values.split_first() else {
        out.extend_from_slice(&[mark, 0]);
        return;
    };
    let min = values.iter().copied().min().unwrap_or(0);
    let max = values.iter().copied().max().unwrap_or(0);
    let offset_width = bits(u64::from(max - min));
    let zigzag = |i: usize| -> u64 {
        let d = i64::from(values[i + 1]) - i64::from(values[i]);
        ((d << 1) ^ (d >> 63)) as u64
    };
    let delta_width = (0..rest.len()).map(zigzag).max().map_or(0, bits);
    // Offsets store every value; differences one fewer, but after the first value.
    let offset_cost = offset_width as usize * values.len();
    let delta_cost = delta_width as usize * rest.len();
    let mut bits_out = BitWriter::new(out);
    if delta_cost < offset_cost {
        bits_out.out.push(0x80 | mark | delta_width);
        leb128(bits_out.out, u64::from(first));
        for i in 0..rest.len() {
            bits_out.put(zigzag(i), delta_width);
        }
    } else {
        bits_out.out.push(mark | offset_width);
        leb128(bits_out.out, u64::from(min));
        for &v in values {
            bits_out.put(u64::from(v - min), offset_width);
        }
    }
    bits_out.flush();
}

/// Read the row of `out.len()` values starting at `*pos` into `out`, and move `*pos` past it;
/// `Some(mark)`, or `None` if the bytes are not such a row (damaged bytes give `None`, never a
/// panic).
pub(crate) fn unpack_row(bytes: &[u8], pos: &mut usize, out: &mut [u32]) -> Option<bool> {
    let (delta, width, base, start, end) = row_extent(bytes, *pos, out.len())?;
    let marked = bytes[*pos] & 0x40 != 0;
    let mut reader = BitReader { bytes: &bytes[start..end], at: 0 };
    if delta {
        let mut v = i64::try_from(base).ok()?;
        for (i, slot) in out.iter_mut().enumerate() {
            if i > 0 {
                let z = reader.get(width);
                v += (z >> 1) as i64 ^ -((z & 1) as i64);
            }
            *slot = u32::try_from(v).ok()?;
        }
    } else {
        for slot in out.iter_mut() {
            *slot = u32::try_from(base.checked_add(reader.get(width))?).ok()?;
        }
    }
    *pos = end;
    Some(marked)
}

/// Move `*pos` past the row of `len` values starting there, without reading its values.
pub(crate) fn skip_row(bytes: &[u8], pos: &mut usize, len: usize) -> Option<()> {
    let (.., end) = row_extent(bytes, *pos, len)?;
    *pos = end;
    Some(())
}

/// A row's mode, width and base, and where its packed values start and end.
fn row_extent(bytes: &[u8], pos: usize, len: usize) -> Option<(bool, u32, u64, usize, usize)> {
    let header = *bytes.get(pos)?;
    let delta = header & 0x80 != 0;
    let width = u32::from(header & 0x3f);
    if width > 33 {
        return None;
    }
    let mut at = pos + 1;
    let base = read_leb128(bytes, &mut at)?;
    let stored = if delta { len.saturating_sub(1) } else { len };
    let end = at.checked_add((stored.checked_mul(width as usize)?).div_ceil(8))?;
    (end <= bytes.len()).then_some((delta, width, base, at, end))
}

/// Bits needed for `v` (0 for 0).
fn bits(v: u64) -> u8 {
    (64 - v.leading_zeros()) as u8
}

fn leb128(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_leb128(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    word: u64,
    used: u32,
}

impl<'a> BitWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Self { out, word: 0, used: 0 }
    }

    /// Append the low `width` bits of `v` (width at most 33).
    fn put(&mut self, v: u64, width: u8) {
        if width == 0 {
            return;
        }
        self.word |= v << self.used;
        self.used += u32::from(width);
        while self.used >= 8 {
            self.out.push(self.word as u8);
            self.word >>= 8;
            self.used -= 8;
        }
    }

    fn flush(&mut self) {
        if self.used > 0 {
            self.out.push(self.word as u8);
        }
        self.word = 0;
        self.used = 0;
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    /// Bits read so far.
    at: usize,
}

impl BitReader<'_> {
    /// The next `width` bits (at most 33; the caller checked there are enough).
    fn get(&mut self, width: u32) -> u64 {
        if width == 0 {
            return 0;
        }
        let mut v = 0u64;
        let mut got = 0;
        while got < width {
            let byte = u64::from(self.bytes[self.at / 8]);
            let offset = (self.at % 8) as u32;
            let take = (8 - offset).min(width - got);
            v |= ((byte >> offset) & ((1 << take) - 1)) << got;
            got += take;
            self.at += take as usize;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(values: &[u32]) -> usize {
        let mut bytes = vec![7u8]; // rows sit after others
        pack_row(values, &mut bytes);
        pack_row(&[5, 5], &mut bytes);
        let mut pos = 1;
        let mut back = vec![0; values.len()];
        unpack_row(&bytes, &mut pos, &mut back).unwrap();
        assert_eq!(back, values);
        let mut skipped = 1;
        skip_row(&bytes, &mut skipped, values.len()).unwrap();
        assert_eq!(skipped, pos);
        let mut next = [0; 2];
        unpack_row(&bytes, &mut pos, &mut next).unwrap();
        assert_eq!((next, pos), ([5, 5], bytes.len()));
        skipped - 1
    }

    /// Rows come back exactly, whatever their values, and take the bytes the format says.
    #[test]
    fn rows_come_back_exactly() {
        assert_eq!(round_trip(&[0; 120]), 2, "zeros: a header and a base");
        assert_eq!(round_trip(&[]), 2);
        assert_eq!(round_trip(&[u32::MAX]), 6);
        round_trip(&[u32::MAX, 0, u32::MAX, 1, 0]);
        round_trip(&[0, u32::MAX, 0]);
        // A slowly changing stock: differences of -3..=3 take 3 bits each.
        let stock: Vec<u32> = (0..120).map(|t| 600 + (t * 7 % 5) - (t % 3)).collect();
        let len = round_trip(&stock);
        assert!(len <= 2 + 2 + (119 * 4usize).div_ceil(8), "{len} bytes");
        // Counts of 0 to 40: offsets of 6 bits.
        let counts: Vec<u32> = (0..120).map(|t| (t * 37 % 41) as u32).collect();
        assert_eq!(round_trip(&counts), 1 + 1 + (120 * 6usize).div_ceil(8));
        let mut lcg = 12345u64;
        for len in [1, 2, 3, 10, 63, 64, 65, 200] {
            for width in [1, 5, 16, 31, 32] {
                let v: Vec<u32> = (0..len)
                    .map(|_| {
                        lcg = lcg.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((lcg >> 20) as u32) & (((1u64 << width) - 1) as u32)
                    })
                    .collect();
                round_trip(&v);
            }
        }
    }

    /// Damaged rows are refused, never a panic or a read past the end.
    #[test]
    fn damaged_rows_are_refused() {
        let mut bytes = Vec::new();
        pack_row(&(0..50).map(|t| t * 1000).collect::<Vec<u32>>(), &mut bytes);
        for cut in 0..bytes.len() {
            let mut out = [0; 50];
            assert!(unpack_row(&bytes[..cut], &mut 0, &mut out).is_none(), "cut at {cut}");
        }
        for bad_header in [0x3f, 0x7f, 0xff] {
            let mut damaged = bytes.clone();
            damaged[0] = bad_header;
            let mut out = [0; 50];
            assert!(unpack_row(&damaged, &mut 0, &mut out).is_none());
        }
        // The mark comes back.
        let mut marked = Vec::new();
        pack_marked_row(&[3, 1, 4], true, &mut marked);
        pack_marked_row(&[], true, &mut marked);
        let mut pos = 0;
        assert_eq!(unpack_row(&marked, &mut pos, &mut [0; 3]), Some(true));
        assert_eq!(unpack_row(&marked, &mut pos, &mut []), Some(true));
        assert_eq!(unpack_row(&bytes, &mut 0, &mut [0; 50]), Some(false));
        // Differences that would go below zero: refused.
        assert!(unpack_row(&[0x81, 0, 1], &mut 0, &mut [0; 2]).is_none());
    }
}
