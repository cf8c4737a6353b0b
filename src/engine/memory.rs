//! An estimate of the memory a run needs, made before it starts so that a run that will not fit
//! is refused with the figures instead of being killed by the operating system part-way.
//!
//! The estimate adds four parts (bytes; `m` months, `F` financial years, `L` localities, `R`
//! replications, `Q` the quantile sample, at most `R`, `P` uncertain parameters, `N` the
//! under-18 population):
//!
//! 1. **Kept per replication** by the results: its packed record (see `carecast::outputs`): 80
//!    monthly rows of counts for the whole authority, `L` monthly rows of care leavers by
//!    locality and `14 L` rows of activity by locality over the `F` financial years, each a
//!    header and base (about 3 bytes) and its values at a few bits each, and 22 rows stored as
//!    their (zero) difference from others at 2 bytes each. The bits a value takes grow with the
//!    counts, by about 0.55 to 0.85 bits for each doubling: `4.32 + 0.56 log2(N / 57,000)` for
//!    the authority's counts, `1.7 + 0.85 log2(c / 7,125)` (at least 1.4) for care leavers and
//!    `5.7 + 0.62 log2(c / 7,125)` for the yearly activity, with `c = N / L` children a
//!    locality (fitted, with the rows' Rice codes, to the default preset, four times its
//!    population and its population in 32 localities, within 1%; the estimate adds 5%). Plus
//!    the record's allocation (32 bytes),
//!    the children in care at the start and the parameter draws (`8 (1 + P)`), and one
//!    indicator as the caller takes it (`8 m`).
//! 2. **Quantile sample**: the detailed stocks, flows, queues and caseloads of the first `Q`
//!    replications (of those with a global index below `Q`), packed like the records: `m x (37
//!    L + 32)` counts each at about `0.65 + 0.1 log2(c / 7,125)` bytes (at least 0.4; fitted
//!    like the records); with the exact sums and sums of squares of the same and their summaries
//!    (`64 x m x (37 L + 32)`, once); and the full detail when asked for (`4 x m x (35 L +
//!    32)` a replication, times `R`).
//! 3. **Outputs in flight**: a replication's output is `m x (472 + 204 L)` bytes until it is
//!    folded in; at most two batches exist at once.
//! 4. **Worlds**: each worker thread holds one replication's world: its tables of children by
//!    birth month (`68 L (216 + m)` bytes) and the families and children it has drawn out of them.
//!    Those are bounded by the children alive at some point in the run, `N (1 + m / 216)` for a
//!    population of `N` under-18s, times the chance of a contact over the run (from the scenario's
//!    contact rates and need multipliers, at the higher of the never-known and previously-known
//!    rates), in families of the mean size, at about 100 bytes a child and 200 a family.
//!
//! It is an estimate, meant to be near what a run uses and not below it, not a promise (measured
//! against the peak resident memory with `examples/memory_estimate.rs`; see BENCHMARKS.md).

use super::{BATCH_MEMORY_BUDGET, Model, RunOptions};
use crate::error::{CarecastError, Result};

/// What a run is expected to need, part by part, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryEstimate {
    /// Everything together.
    pub total: u64,
    /// Results kept for each replication (part 1 of the module docs).
    pub per_replication: u64,
    /// Of which the replication's packed record.
    pub record: u64,
    /// Replications asked for.
    pub replications: u64,
    /// The quantile sample, running summaries and full detail (part 2).
    pub summaries: u64,
    /// Outputs waiting to be folded into the results (part 3).
    pub in_flight: u64,
    /// The worker threads' worlds (part 4).
    pub worlds: u64,
    /// Worker threads.
    pub threads: u64,
    /// Replications per batch, chosen so that a batch's outputs stay within
    /// [`BATCH_MEMORY_BUDGET`] (but at least one per thread).
    pub batch: usize,
}

/// Bytes of one explicit child (its record, its place in its family's list and in the list of
/// 18th birthdays), allowing for vectors that grow by doubling.
const BYTES_PER_CHILD: f64 = 100.0;
/// Bytes of one explicit family (its record, random stream and list of children, its places in
/// the active, waking and waiting lists).
const BYTES_PER_FAMILY: f64 = 200.0;

impl Model {
    /// Estimate the memory a run with `options` needs (see the module docs of
    /// `carecast::engine::memory` for the formula).
    pub fn memory_estimate(&self, options: &RunOptions) -> MemoryEstimate {
        let m = options.months as u64;
        let l = self.localities as u64;
        let r = options.replications as u64;
        // Only replications with a global index below the quantile sample are kept.
        let q = (options.quantile_sample.saturating_sub(options.first_replication) as u64).min(r);
        let threads = options.worker_threads() as u64;
        let record = self.record_bytes(options.months);
        let per_replication = record + 32 + 8 * (1 + self.parameter_names.len() as u64) + 8 * m;
        let detail = m * (37 * l + 32);
        let mut summaries = q * self.sample_bytes(options.months) + 64 * detail;
        if options.keep_full_detail {
            summaries = summaries.saturating_add((4 * m * (35 * l + 32)).saturating_mul(r));
        }
        let output = m * (472 + 204 * l);
        let default_batch = (threads * 4).max(8);
        let batch = default_batch.min((BATCH_MEMORY_BUDGET / output.max(1)).max(threads)).min(r.max(1));
        let in_flight = 2 * batch * output;
        let worlds = threads.saturating_mul(self.world_bytes(options.months));
        let total = per_replication
            .saturating_mul(r)
            .saturating_add(summaries)
            .saturating_add(in_flight)
            .saturating_add(worlds);
        MemoryEstimate {
            total,
            per_replication,
            record,
            replications: r,
            summaries,
            in_flight,
            worlds,
            threads,
            batch: batch as usize,
        }
    }

    /// Bytes of one replication's packed record over `months` months (part 1 of the module
    /// docs).
    pub(crate) fn record_bytes(&self, months: usize) -> u64 {
        let m = months as f64;
        let l = self.localities as f64;
        let years = crate::outputs::financial_years_in(self.start, months) as f64;
        let children = f64::from(self.scenario.population.under_18).max(1.0);
        // Bits a value takes, fitted to the records of the default preset (57,000 children in 8
        // localities), four times its population and its population in 32 localities (the
        // cases of tests/limits.rs): counts of the whole authority, and of one locality.
        let whole = (children / 57_000.0).log2();
        let local = (children / l / 7_125.0).log2();
        let authority_bits = (4.32 + 0.56 * whole).max(1.0);
        let leaver_bits = (1.7 + 0.85 * local).max(1.4);
        let yearly_bits = (5.7 + 0.62 * local).max(1.0);
        // A header byte and a base of about two bytes a row.
        let rows = |count: f64, len: f64, bits: f64| count * (3.0 + len * bits / 8.0);
        let bytes = rows(80.0, m, authority_bits)
            + rows(l, m, leaver_bits)
            + rows(14.0 * l, years, yearly_bits)
            // The rows stored as differences from others, and the UASC's.
            + 22.0 * 2.0;
        // 5% above the fit: an estimate should not fall short.
        (1.05 * bytes).ceil() as u64
    }

    /// Bytes of one kept replication's packed detailed breakdowns over `months` months (part 2
    /// of the module docs).
    fn sample_bytes(&self, months: usize) -> u64 {
        let l = self.localities as f64;
        let cells = months as f64 * (37.0 * l + 32.0);
        let local = (f64::from(self.scenario.population.under_18).max(1.0) / l / 7_125.0).log2();
        (cells * (0.65 + 0.1 * local).max(0.4)).ceil() as u64
    }

    /// Bytes of one replication's world over `months` months (part 4 of the module docs).
    fn world_bytes(&self, months: usize) -> u64 {
        let m = months as f64;
        let l = self.localities as f64;
        let tables = 68.0 * l * (216.0 + m) + 48.0 * m;
        let n = f64::from(self.scenario.population.under_18);
        let ever = n * (1.0 + m / 216.0);
        // The hazard of contact a year, averaged over the 18 years of childhood (band widths 1,
        // 4, 5, 6 and 2 years), at the larger of the never-known and previously-known rates and
        // the population's mean need multiplier; over the run, or 18 years if shorter.
        let widths = [1.0, 4.0, 5.0, 6.0, 2.0];
        let need: f64 = (0..self.localities)
            .map(|l| {
                self.locality_share[l] * (0..3).map(|n| self.locality_need[l][n] * self.contact_need[n]).sum::<f64>()
            })
            .sum();
        let yearly: f64 = (0..5)
            .map(|b| {
                let rate = |c: &super::compiled::ContactHazards| c.identification[b] + c.referral[b] + c.crisis[b];
                widths[b] * 12.0 * rate(&self.not_known).max(rate(&self.previously_known))
            })
            .sum::<f64>()
            / 18.0
            * need;
        let p_contact = 1.0 - (-yearly * (m / 12.0).min(18.0)).exp();
        let sizes = &self.family_size_cdf;
        let mut mean_size = 0.0;
        let mut before = 0.0;
        for (i, &c) in sizes.iter().enumerate() {
            mean_size += (i + 1) as f64 * (c - before);
            before = c;
        }
        let i = &self.scenario.population.initial;
        let initial = match &self.scenario.starting_position {
            Some(position) => position.children() as f64,
            None => {
                f64::from(i.looked_after + i.child_protection + i.child_in_need)
                    + 2.0 * f64::from(i.early_help_families + i.waiting_families)
            }
        };
        // Brothers and sisters come out with a contacted child, but most would have been contacted
        // themselves in time: children in contact, not families times their size.
        let children = (ever * p_contact + initial).min(ever);
        let families = children / mean_size.max(1.0);
        (tables + children * BYTES_PER_CHILD + families * BYTES_PER_FAMILY) as u64
    }
}

impl MemoryEstimate {
    /// The estimate of this run made while the results of `earlier` are kept, as a comparison
    /// runs its scenario while it holds its baseline's results: what `earlier` keeps (its
    /// replications and summaries) added to this run's needs. `earlier`'s worlds and outputs in
    /// flight are gone by then. Checked before the first run, so that a comparison too big for
    /// memory is refused before it starts, not after its baseline has run.
    pub fn while_keeping(&self, earlier: &MemoryEstimate) -> MemoryEstimate {
        let kept = earlier.per_replication.saturating_mul(earlier.replications).saturating_add(earlier.summaries);
        MemoryEstimate {
            total: self.total.saturating_add(kept),
            per_replication: self.per_replication.saturating_add(earlier.per_replication),
            record: self.record.saturating_add(earlier.record),
            replications: self.replications.max(earlier.replications),
            summaries: self.summaries.saturating_add(earlier.summaries),
            ..self.clone()
        }
    }

    /// Refuse the run if it needs more than `available` bytes (`None`: unknown, never refused).
    ///
    /// # Errors
    /// [`CarecastError::TooLarge`] with the figures.
    pub fn check(&self, available: Option<u64>) -> Result<()> {
        let Some(available) = available else { return Ok(()) };
        if self.total <= available {
            return Ok(());
        }
        let kept = self.per_replication.saturating_mul(self.replications);
        let mut parts =
            vec![format!("{} replications x {}", group_digits(self.replications), format_bytes(self.per_replication))];
        if self.summaries > kept / 4 {
            parts.push(format!("{} of summaries", format_bytes(self.summaries)));
        }
        if self.in_flight > kept / 4 {
            parts.push(format!("{} of replications in flight", format_bytes(self.in_flight)));
        }
        if self.worlds > kept / 4 {
            parts.push(format!("{} for {} threads' simulated populations", format_bytes(self.worlds), self.threads));
        }
        Err(CarecastError::TooLarge {
            needed: self.total,
            available,
            message: format!(
                "this run needs about {} ({}); {} is available: use fewer replications, years, \
                 localities or threads",
                format_bytes(self.total),
                parts.join(" + "),
                format_bytes(available)
            ),
        })
    }
}

/// The memory a run may use, in bytes: `CARECAST_MEMORY_LIMIT` if set (a whole number of
/// bytes), otherwise `MemAvailable` from `/proc/meminfo` where there is one; `None` if neither
/// is known (the run is then never refused for memory).
pub fn available_memory() -> Option<u64> {
    if let Ok(limit) = std::env::var("CARECAST_MEMORY_LIMIT") {
        if let Ok(bytes) = limit.trim().parse::<u64>() {
            return Some(bytes);
        }
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// Bytes for people: `170 GB`, `77 MB`, `512 KB` (powers of 1,000, two significant figures
/// below 10).
pub fn format_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    for (unit, size) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)] {
        if b >= size {
            let v = b / size;
            return if v < 10.0 {
                format!("{v:.1} {unit}")
            } else {
                format!("{} {unit}", group_digits(v.round() as u64))
            };
        }
    }
    format!("{bytes} bytes")
}

/// `1000000` as `1,000,000`.
fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
