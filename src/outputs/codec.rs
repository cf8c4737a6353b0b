//! Results as bytes, for moving them between processes and machines (Python's pickle, a
//! distributed engine): compact, portable and versioned.
//!
//! The format, version 5: the magic bytes `carecast-results`, then unsigned LEB128 numbers
//! (the format version, the vocabulary's sizes, the run's header, each array's length and
//! values). Whole numbers are LEB128 (a count of 0 to 127 takes one byte); an `f64` is its bits
//! with the bytes reversed, as LEB128, so a whole number such as 789.0 takes three bytes; signed
//! numbers are zigzag-encoded first. Each replication's monthly records are written as they are
//! kept, packed bit by bit (their length, then their bytes), and so are the detailed breakdowns
//! of the replications kept for quantiles. Only what a run produced is written: the summaries are
//! computed again from the exact sums when the bytes are read, so they come back bit for bit.
//! The last eight bytes are a checksum (FNV-1a, 64 bits) of the others.
//! Byte order and word size of the machine do not matter.

use super::{
    Accumulator, Activity, BANDS, DetailSums, FullDetail, LoggedEvent, RecordLayout, RunHeader, RunParts, RunResults,
    STATES, Series,
};
use crate::calendar::YearMonth;
use crate::error::{CarecastError, Result};
use crate::vocab::{LegalStatus, Move, Placement};
use ndarray::{Array, Dimension, ShapeBuilder};

const MAGIC: &[u8] = b"carecast-results";
/// Bumped whenever what is written changes; older versions are refused, not misread. Version 2
/// added the draws of uncertain parameters (their paths, then replication x parameter);
/// version 3 the children in care by legal status and the UASC among them; version 4 wrote each
/// replication's packed record (its length, then its bytes as `packed.rs` lays them out) in
/// place of the `f64` arrays, with the costed activity by locality and financial year; version
/// 5 may store a row in Rice codes (`packed.rs`). Version 4 bytes are rows of version 5 that
/// happen to have no Rice codes, so they are still read.
const VERSION: u64 = 5;
/// The oldest version read.
const OLDEST: u64 = 4;

impl RunResults {
    /// These results as bytes that [`RunResults::from_bytes`] reads back into equal results, on
    /// this machine or another one (see the format in `carecast::outputs`' `codec.rs`).
    ///
    /// # Examples
    /// ```
    /// use carecast::{Model, RunOptions, RunResults, Scenario, Silent};
    /// let model = Model::new(&Scenario::default_preset()).unwrap();
    /// let results = model.run(&RunOptions::new(3, 1, 7), &Silent).unwrap();
    /// let bytes = results.to_bytes();
    /// assert!(RunResults::from_bytes(&bytes).unwrap() == results);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(MAGIC.to_vec());
        w.uint(VERSION);
        for size in VOCABULARY {
            w.uint(size as u64);
        }
        // Taken apart without `..`: a new field does not compile until it is written (and read).
        let RunResults {
            start,
            months,
            replications,
            first_replication,
            seed,
            scenario_fingerprint,
            localities,
            under_18,
            initial_lac,
            records,
            layout: _,
            stocks: _,
            flows: _,
            queues: _,
            caseloads: _,
            quantile_sample: _,
            full,
            log_families,
            events,
            parameter_draws,
            parameter_names,
            sums,
        } = self;
        w.int(i64::from(start.year));
        w.uint(u64::from(start.month));
        for n in [*months, *replications, *first_replication] {
            w.uint(n as u64);
        }
        w.uint(*seed);
        w.uint(*scenario_fingerprint);
        w.uint(u64::from(*under_18));
        w.uint(u64::from(*log_families));
        w.uint(localities.len() as u64);
        for name in localities {
            w.uint(name.len() as u64);
            w.0.extend_from_slice(name.as_bytes());
        }
        w.floats(initial_lac);
        for record in records {
            w.uint(record.len() as u64);
            w.0.extend_from_slice(record);
        }
        w.uint(parameter_names.len() as u64);
        for name in parameter_names {
            w.uint(name.len() as u64);
            w.0.extend_from_slice(name.as_bytes());
        }
        w.floats(parameter_draws);
        match full {
            None => w.uint(0),
            Some(f) => {
                w.uint(1);
                w.counts(&f.stocks);
                w.counts(&f.flows);
            }
        }
        w.uint(events.len() as u64);
        for e in events {
            w.int(i64::from(e.month));
            w.uint(u64::from(e.family));
            w.uint(e.child.map_or(0, |c| u64::from(c) + 1));
            w.uint(e.kind.index() as u64);
        }
        w.uint(sums.keep() as u64);
        for a in [&sums.stocks, &sums.flows, &sums.queues, &sums.caseloads] {
            w.uint(a.n);
            w.uint(a.sum.len() as u64);
            a.sum.iter().for_each(|&s| w.uint(s));
            a.sum_sq.iter().for_each(|&s| w.uint128(s));
            w.uint(a.sample.len() as u64);
            for record in &a.sample {
                w.uint(record.len() as u64);
                w.0.extend_from_slice(record);
            }
        }
        let mut bytes = w.0;
        let checksum = fnv1a(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        bytes
    }

    /// Read results written by [`RunResults::to_bytes`], checking them as they are read: damaged
    /// or truncated bytes, and another format version, give an error, never a panic.
    ///
    /// # Errors
    /// [`CarecastError::Decode`] saying what was wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<RunResults> {
        if !bytes.starts_with(MAGIC) {
            return Err(bad("these bytes are not carecast results"));
        }
        let (body, checksum) = bytes.split_at(bytes.len().saturating_sub(8).max(MAGIC.len()));
        if checksum.len() != 8 || fnv1a(body).to_le_bytes() != checksum {
            return Err(bad("they are damaged or incomplete (their checksum does not match)"));
        }
        let mut r = Reader(&body[MAGIC.len()..]);
        let version = r.uint()?;
        if !(OLDEST..=VERSION).contains(&version) {
            return Err(bad(&format!(
                "they are in format version {version}; this carecast ({}) reads versions {OLDEST} to {VERSION}",
                env!("CARGO_PKG_VERSION")
            )));
        }
        for (size, name) in VOCABULARY.into_iter().zip(VOCABULARY_NAMES) {
            if r.size()? != size {
                return Err(bad(&format!("they were made by a carecast with a different number of {name}")));
            }
        }
        let year = i32::try_from(r.int()?).map_err(|_| bad("the start year is out of range"))?;
        let month = u32::try_from(r.uint()?).unwrap_or(0);
        let start = YearMonth::new(year, month).ok_or_else(|| bad("the start month is not a month"))?;
        let (months, replications, first_replication) = (r.size()?, r.size()?, r.size()?);
        if months == 0 || replications == 0 || first_replication.checked_add(replications).is_none() {
            return Err(bad("the months or replications are out of range"));
        }
        let seed = r.uint()?;
        let scenario_fingerprint = r.uint()?;
        let under_18 = r.u32()?;
        let log_families = r.u32()?;
        let count = r.size()?;
        let mut localities = Vec::new();
        for _ in 0..count {
            let len = r.size()?;
            let name = std::str::from_utf8(r.take(len)?).map_err(|_| bad("a locality name is not UTF-8"))?;
            localities.push(name.to_string());
        }
        let (m, l, reps) = (months, localities.len(), replications);
        if l == 0 {
            return Err(bad("there are no localities"));
        }
        let initial_lac = r.floats(reps)?;
        let layout = RecordLayout::new(start, m, l);
        let mut records = Vec::with_capacity(reps.min(r.0.len()));
        for _ in 0..reps {
            let len = r.size()?;
            let record = r.take(len)?;
            if !layout.is_record(record) {
                return Err(bad("a replication's record is damaged"));
            }
            records.push(Box::from(record));
        }
        let count = r.size()?;
        let mut parameter_names = Vec::new();
        for _ in 0..count {
            let len = r.size()?;
            let name = std::str::from_utf8(r.take(len)?).map_err(|_| bad("a parameter path is not UTF-8"))?;
            parameter_names.push(name.to_string());
        }
        let parameter_draws = r.floats((reps, parameter_names.len()))?;
        let stock_cells = cells(&[STATES, BANDS, l, m])?;
        let flow_cells = cells(&[Move::COUNT, m])?;
        let locality_cells = cells(&[l, m])?;
        let full = match r.uint()? {
            0 => None,
            1 => Some(FullDetail {
                stocks: r.counts_exactly(reps.checked_mul(stock_cells).ok_or_else(too_large)?)?,
                flows: r.counts_exactly(reps.checked_mul(flow_cells).ok_or_else(too_large)?)?,
            }),
            _ => return Err(bad("the full detail flag is neither 0 nor 1")),
        };
        let count = r.size()?;
        let mut events = Vec::new();
        for _ in 0..count {
            let month = i32::try_from(r.int()?).map_err(|_| bad("an event's month is out of range"))?;
            let family = r.u32()?;
            let child = match r.uint()? {
                0 => None,
                c => Some(u32::try_from(c - 1).map_err(|_| bad("an event's child is out of range"))?),
            };
            let kind = *Move::ALL.get(r.size()?).ok_or_else(|| bad("an event's move is unknown"))?;
            events.push(LoggedEvent { month, family, child, kind });
        }
        let keep = r.size()?;
        let kept = keep.saturating_sub(first_replication).min(reps);
        let mut accumulator = |len: usize| -> Result<Accumulator> {
            let n = r.uint()?;
            if n != reps as u64 || r.size()? != len {
                return Err(bad("the sums do not match the replications or the breakdown"));
            }
            let sum = r.many(len, Reader::uint)?;
            let sum_sq = r.many(len, Reader::uint128)?;
            if r.size()? != kept {
                return Err(bad("the quantile sample does not match the replications kept"));
            }
            let mut sample = Vec::with_capacity(kept.min(r.0.len()));
            for _ in 0..kept {
                let len = r.size()?;
                sample.push(Box::from(r.take(len)?));
            }
            Accumulator::from_parts(n, keep, sum, sum_sq, months, sample)
                .ok_or_else(|| bad("a kept replication's breakdown is damaged"))
        };
        let sums = DetailSums {
            stocks: accumulator(stock_cells)?,
            flows: accumulator(flow_cells)?,
            queues: accumulator(locality_cells)?,
            caseloads: accumulator(locality_cells)?,
        };
        if !r.0.is_empty() {
            return Err(bad("there are bytes after the end of the results"));
        }
        let header =
            RunHeader { start, seed, scenario_fingerprint, localities, under_18, log_families, parameter_names };
        let parts = RunParts {
            header,
            months,
            replications,
            first_replication,
            initial_lac,
            records,
            parameter_draws,
            full,
            events,
            sums,
        };
        Ok(parts.summarise(&mut || true).expect("never asked to stop"))
    }
}

/// The sizes of the vocabulary that shape the arrays, and their names for errors.
const VOCABULARY: [usize; 7] =
    [Series::COUNT, STATES, BANDS, Placement::COUNT, Move::COUNT, Activity::COUNT, LegalStatus::COUNT];
const VOCABULARY_NAMES: [&str; 7] =
    ["series", "states", "age bands", "placement types", "moves", "activities", "legal statuses"];

/// FNV-1a, 64 bits: the checksum of the bytes written.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn bad(message: &str) -> CarecastError {
    CarecastError::Decode { message: message.to_string() }
}

fn too_large() -> CarecastError {
    bad("the arrays are too large for this machine")
}

/// The number of cells of a breakdown of these sizes.
fn cells(sizes: &[usize]) -> Result<usize> {
    sizes.iter().try_fold(1usize, |a, &b| a.checked_mul(b)).ok_or_else(too_large)
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint128(&mut self, mut v: u128) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn uint(&mut self, v: u64) {
        self.uint128(u128::from(v));
    }

    /// Zigzag: small negative numbers stay short.
    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn float(&mut self, v: f64) {
        self.uint(v.to_bits().swap_bytes());
    }

    /// An array's values in logical (row-major) order.
    fn floats<D: Dimension>(&mut self, a: &Array<f64, D>) {
        self.uint(a.len() as u64);
        a.iter().for_each(|&v| self.float(v));
    }

    fn counts(&mut self, values: &[u32]) {
        self.uint(values.len() as u64);
        values.iter().for_each(|&v| self.uint(u64::from(v)));
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if n > self.0.len() {
            return Err(bad("the bytes end too soon"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uint128(&mut self) -> Result<u128> {
        let mut v: u128 = 0;
        let mut shift = 0;
        loop {
            let byte = self.take(1)?[0];
            let bits = u128::from(byte & 0x7f);
            if shift >= 128 || (shift > 121 && bits >> (128 - shift) != 0) {
                return Err(bad("a number is too large"));
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    fn uint(&mut self) -> Result<u64> {
        u64::try_from(self.uint128()?).map_err(|_| bad("a number is too large"))
    }

    fn u32(&mut self) -> Result<u32> {
        u32::try_from(self.uint()?).map_err(|_| bad("a number is too large"))
    }

    fn size(&mut self) -> Result<usize> {
        usize::try_from(self.uint()?).map_err(|_| too_large())
    }

    fn int(&mut self) -> Result<i64> {
        let v = self.uint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// `len` values read by `one`; every value takes at least a byte, so damaged lengths are
    /// refused before anything is allocated for them.
    fn many<T>(&mut self, len: usize, one: impl Fn(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        if len > self.0.len() {
            return Err(bad("the bytes end too soon"));
        }
        (0..len).map(|_| one(self)).collect()
    }

    fn counts_exactly(&mut self, len: usize) -> Result<Vec<u32>> {
        if self.size()? != len {
            return Err(bad("an array does not have the length its shape gives"));
        }
        self.many(len, Self::u32)
    }

    /// An array of `shape` written by [`Writer::floats`].
    fn floats<Sh: ShapeBuilder>(&mut self, shape: Sh) -> Result<Array<f64, Sh::Dim>> {
        let shape = shape.into_shape_with_order();
        let len = cells(shape.raw_dim().slice())?;
        if self.size()? != len {
            return Err(bad("an array does not have the length its shape gives"));
        }
        let values = self.many(len, |r| Ok(f64::from_bits(r.uint()?.swap_bytes())))?;
        Array::from_shape_vec(shape, values).map_err(|_| bad("an array does not fit its shape"))
    }
}
