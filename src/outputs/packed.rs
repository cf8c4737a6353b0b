//! Whole numbers packed bit by bit: how a run keeps each replication's monthly records.
//!
//! Every number a replication records is a whole count below 2^32, and most change little from
//! month to month, so each row (one quantity over the months, or over the financial years) is
//! stored in the fewest bytes of four ways: the values' offsets from the row's smallest value at
//! one bit width, the differences from month to month (zigzag-encoded) at one bit width, or
//! either of the two with Rice codes (a value `z` as `z >> k` zero bits, a one bit and the low `k`
//! bits of `z`), which suit counts that are mostly near a centre with a few further out: the
//! differences from month to month, or the zigzag-encoded differences from the row's median.
//!
//! A row is a header byte (bit 7: differences from month to month; bit 6: the caller's mark;
//! bits 0-5: a bit width of 0 to 33, or 34 + `k` for Rice codes of parameter `k`), the base (the
//! smallest value, the median or the first) as LEB128, for Rice codes the length of the codes in
//! bytes as LEB128, then the values, least significant bit first. A row of zeros takes two
//! bytes; a count of entries to care a month about five bits a month instead of the eight bytes
//! of an `f64`. Values come back exactly, so every figure computed from them is unchanged.

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
    let delta = |i: usize| zigzag(i64::from(values[i + 1]) - i64::from(values[i]));
    let deltas: Vec<u64> = (0..rest.len()).map(delta).collect();
    let delta_width = deltas.iter().copied().max().map_or(0, bits);
    let median = {
        // The value a sort would put in the middle, found without sorting.
        let mut values = values.to_vec();
        let middle = values.len() / 2;
        *values.select_nth_unstable(middle).1
    };
    let centred: Vec<u64> = values.iter().map(|&v| zigzag(i64::from(v) - i64::from(median))).collect();
    // Bits of each way, header and base included.
    let base_bits = |base: u32| 8 * (1 + leb128_len(u64::from(base)));
    let (rice_delta_k, rice_delta) = rice_parameter(&deltas);
    let (rice_centred_k, rice_centred) = rice_parameter(&centred);
    let rice_bits = |base: u32, codes: usize| base_bits(base) + 8 * leb128_len(codes.div_ceil(8) as u64) + codes;
    let ways = [
        (base_bits(min) + (offset_width as usize * values.len()).next_multiple_of(8), Way::Offsets),
        (base_bits(first) + (delta_width as usize * rest.len()).next_multiple_of(8), Way::Differences),
        (rice_bits(first, rice_delta.next_multiple_of(8)), Way::RiceDifferences),
        (rice_bits(median, rice_centred.next_multiple_of(8)), Way::RiceCentred),
    ];
    // The first of the smallest: ties keep the fixed widths, which read faster.
    let way = ways.iter().min_by_key(|(cost, _)| *cost).map_or(Way::Offsets, |&(_, way)| way);
    match way {
        Way::Offsets => {
            out.push(mark | offset_width);
            leb128(out, u64::from(min));
            let mut bits_out = BitWriter::new(out);
            for &v in values {
                bits_out.put(u64::from(v - min), offset_width);
            }
            bits_out.flush();
        }
        Way::Differences => {
            out.push(0x80 | mark | delta_width);
            leb128(out, u64::from(first));
            let mut bits_out = BitWriter::new(out);
            for &z in &deltas {
                bits_out.put(z, delta_width);
            }
            bits_out.flush();
        }
        Way::RiceDifferences | Way::RiceCentred => {
            let (flag, base, k, codes, zs) = if way == Way::RiceDifferences {
                (0x80, first, rice_delta_k, rice_delta, &deltas)
            } else {
                (0, median, rice_centred_k, rice_centred, &centred)
            };
            out.push(flag | mark | (RICE + k));
            leb128(out, u64::from(base));
            leb128(out, codes.div_ceil(8) as u64);
            let mut bits_out = BitWriter::new(out);
            for &z in zs.iter() {
                bits_out.put_rice(z, k);
            }
            bits_out.flush();
        }
    }
}

/// The ways a row can be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Offsets,
    Differences,
    RiceDifferences,
    RiceCentred,
}

/// Header widths from this up are Rice codes, of parameter `width - RICE`.
const RICE: u8 = 34;
/// The largest Rice parameter (the header has six bits).
const MAX_RICE: u8 = 63 - RICE;

/// The Rice parameter that codes `zs` in the fewest bits, and those bits. The best parameter is
/// at most one above log2 of the mean (below it when a few values are far out).
fn rice_parameter(zs: &[u64]) -> (u8, usize) {
    let mean = zs.iter().sum::<u64>() / (zs.len() as u64).max(1);
    let highest = (bits(mean) + 1).min(MAX_RICE);
    (0..=highest)
        .map(|k| (k, zs.iter().map(|&z| (z >> k) as usize + 1 + k as usize).sum::<usize>()))
        .min_by_key(|&(_, cost)| cost)
        .unwrap_or((0, 0))
}

fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}

fn unzigzag(z: u64) -> i64 {
    (z >> 1) as i64 ^ -((z & 1) as i64)
}

/// Read the row of `out.len()` values starting at `*pos` into `out`, and move `*pos` past it;
/// `Some(mark)`, or `None` if the bytes are not such a row (damaged bytes give `None`, never a
/// panic).
pub(crate) fn unpack_row(bytes: &[u8], pos: &mut usize, out: &mut [u32]) -> Option<bool> {
    let row = row_extent(bytes, *pos, out.len())?;
    let marked = bytes[*pos] & 0x40 != 0;
    let mut reader = BitReader { bytes: &bytes[row.start..row.end], at: 0 };
    let mut next = || match row.rice {
        Some(k) => reader.get_rice(k),
        None => Some(reader.get(row.width)),
    };
    match (row.delta, row.rice) {
        (true, _) => {
            let mut v = i64::try_from(row.base).ok()?;
            for (i, slot) in out.iter_mut().enumerate() {
                if i > 0 {
                    v = v.checked_add(unzigzag(next()?))?;
                }
                *slot = u32::try_from(v).ok()?;
            }
        }
        (false, Some(_)) => {
            let base = i64::try_from(row.base).ok()?;
            for slot in out.iter_mut() {
                *slot = u32::try_from(base.checked_add(unzigzag(next()?))?).ok()?;
            }
        }
        (false, None) => {
            for slot in out.iter_mut() {
                *slot = u32::try_from(row.base.checked_add(next()?)?).ok()?;
            }
        }
    }
    *pos = row.end;
    Some(marked)
}

/// Move `*pos` past the row of `len` values starting there, without reading its values.
pub(crate) fn skip_row(bytes: &[u8], pos: &mut usize, len: usize) -> Option<()> {
    *pos = row_extent(bytes, *pos, len)?.end;
    Some(())
}

/// A row's mode and base, and where its packed values start and end.
struct RowExtent {
    /// Differences from month to month (otherwise offsets from the base).
    delta: bool,
    /// The bit width of fixed-width values.
    width: u32,
    /// The Rice parameter, for Rice codes.
    rice: Option<u32>,
    base: u64,
    start: usize,
    end: usize,
}

fn row_extent(bytes: &[u8], pos: usize, len: usize) -> Option<RowExtent> {
    let header = *bytes.get(pos)?;
    let delta = header & 0x80 != 0;
    let field = header & 0x3f;
    let mut at = pos + 1;
    let base = read_leb128(bytes, &mut at)?;
    let (width, rice, stored_bytes) = if field >= RICE {
        let k = u32::from(field - RICE);
        let codes = usize::try_from(read_leb128(bytes, &mut at)?).ok()?;
        (0, Some(k), codes)
    } else {
        let stored = if delta { len.saturating_sub(1) } else { len };
        (u32::from(field), None, (stored.checked_mul(usize::from(field))?).div_ceil(8))
    };
    let end = at.checked_add(stored_bytes)?;
    (end <= bytes.len()).then_some(RowExtent { delta, width, rice, base, start: at, end })
}

/// Bits needed for `v` (0 for 0).
fn bits(v: u64) -> u8 {
    (64 - v.leading_zeros()) as u8
}

/// Bytes of `v` as LEB128.
fn leb128_len(v: u64) -> usize {
    (bits(v) as usize).div_ceil(7).max(1)
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

    /// Append the Rice code of `z` with parameter `k`: `z >> k` zeros, a one, the low `k` bits.
    fn put_rice(&mut self, z: u64, k: u8) {
        let mut zeros = z >> k;
        while zeros >= 32 {
            self.put(0, 32);
            zeros -= 32;
        }
        self.put(1 << zeros, zeros as u8 + 1);
        self.put(z & ((1 << k) - 1), k);
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

    /// The next Rice code of parameter `k`, or `None` if the bytes end first.
    fn get_rice(&mut self, k: u32) -> Option<u64> {
        let mut zeros = 0u64;
        loop {
            let byte = *self.bytes.get(self.at / 8)?;
            let rest = byte >> (self.at % 8);
            if rest != 0 {
                let skip = rest.trailing_zeros() as usize;
                zeros += skip as u64;
                self.at += skip + 1;
                break;
            }
            let skip = 8 - self.at % 8;
            zeros += skip as u64;
            self.at += skip;
        }
        if self.at + k as usize > self.bytes.len() * 8 {
            return None;
        }
        let low = self.get(k);
        zeros.checked_shl(k).filter(|&high| high >> k == zeros).map(|high| high | low)
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
        // Counts of 0 to 40: at most offsets of 6 bits (Rice codes of the differences from the
        // median take fewer).
        let counts: Vec<u32> = (0..120).map(|t| (t * 37 % 41) as u32).collect();
        assert!(round_trip(&counts) <= 1 + 1 + (120 * 6usize).div_ceil(8));
        // Counts of 0 or 1: offsets of 1 bit.
        let ones: Vec<u32> = (0..120).map(|t| (t * 37 % 41 % 2) as u32).collect();
        assert_eq!(round_trip(&ones), 1 + 1 + 120usize.div_ceil(8));
        // Counts near 200 with a few far out: Rice codes of the differences from the median,
        // fewer bytes than 7 bits a value (the outliers force 9 on offsets).
        let bursty: Vec<u32> = (0..120).map(|t| if t % 40 == 7 { 700 } else { 200 + (t * 7 % 5) as u32 }).collect();
        assert!(round_trip(&bursty) < (120 * 7usize).div_ceil(8), "{} bytes", round_trip(&bursty));
        // A stock with one jump: Rice codes, fewer bytes than the 10 bits of offsets or the 11 of
        // differences the jump forces.
        let jump: Vec<u32> = (0..120).map(|t| 5_000 + t % 3 + if t > 60 { 900 } else { 0 }).collect();
        assert!(round_trip(&jump) < (119 * 7usize).div_ceil(8), "{} bytes", round_trip(&jump));
        // Rice codes of large values and long runs of zeros in the unary part.
        round_trip(&[0, u32::MAX, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        round_trip(&(0..200).map(|t| if t == 100 { 1 << 20 } else { t % 2 }).collect::<Vec<u32>>());
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
        // Rice codes cut short, or a length that runs past the end: refused.
        let mut rice = Vec::new();
        let bursty: Vec<u32> = (0..60).map(|t| if t % 20 == 3 { 900 } else { 300 + t % 4 }).collect();
        pack_row(&bursty, &mut rice);
        assert!(rice[0] & 0x3f >= RICE, "Rice codes expected, header {:#x}", rice[0]);
        for cut in 0..rice.len() {
            assert!(unpack_row(&rice[..cut], &mut 0, &mut [0; 60]).is_none(), "cut at {cut}");
        }
        let mut zeros = rice.clone();
        zeros.iter_mut().skip(4).for_each(|b| *b = 0); // unary codes that never end
        assert!(unpack_row(&zeros, &mut 0, &mut [0; 60]).is_none());
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
