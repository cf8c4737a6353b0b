//! Runs over replication ranges: each replication is the same as in a run of them all, parts
//! merge bit for bit into one run whatever the chunking and thread count, mismatched parts are
//! refused, and results survive a round trip through bytes.

use carecast::finance::{Basis, CostModel};
use carecast::{CarecastError, Model, Progress, RunOptions, RunResults, Scenario, Silent};
use ndarray::{Axis, s};
use std::ops::Range;
use std::sync::Mutex;

/// The redesign: uncertain effects and unit costs, so parameter draws per replication matter.
fn scenario() -> Scenario {
    Scenario::preset("wolverhampton-2015-redesign").unwrap()
}

/// Options for a year, keeping only 4 replications for quantiles (so chunkings can split the
/// sample), the full detail and the events of 3 families of replication 0.
fn options(range: Range<usize>, threads: usize) -> RunOptions {
    let mut o = RunOptions::new(0, 1, 99).range(range).threads(threads).keep_full_detail(true).log_families(3);
    o.quantile_sample = 4;
    o
}

fn run(model: &Model, range: Range<usize>, threads: usize) -> RunResults {
    model.run(&options(range, threads), &Silent).unwrap()
}

#[test]
fn merged_ranges_are_exactly_one_run_whatever_the_chunking_and_threads() {
    let model = Model::new(&scenario()).unwrap();
    let whole = run(&model, 0..7, 1);
    assert_eq!((whole.replications, whole.quantile_sample), (7, 4));
    assert!(!whole.events.is_empty(), "no events logged");
    #[allow(clippy::single_range_in_vec_init)] // one part: the run itself
    let chunkings: [&[Range<usize>]; 5] = [
        &[0..3, 3..4, 4..7], // the quantile sample ends at a boundary
        &[0..2, 2..6, 6..7], // ... and inside a part
        &[5..7, 0..1, 1..5], // given out of order
        &[0..1, 1..2, 2..3, 3..4, 4..5, 5..6, 6..7],
        &[0..7],
    ];
    for (i, chunks) in chunkings.iter().enumerate() {
        let threads = 1 + i % 2;
        let parts: Vec<RunResults> = chunks.iter().map(|c| run(&model, c.clone(), threads)).collect();
        let merged = RunResults::merge(&parts).unwrap();
        assert_eq!(merged.replication_range(), 0..7, "{chunks:?}");
        assert!(merged == whole, "{chunks:?} with {threads} threads differs from one run");
        // Equality is bit for bit: spot-check what it compares.
        assert_eq!(merged.stocks.p95, whole.stocks.p95);
        assert_eq!(merged.flows.sd, whole.flows.sd);
        assert_eq!(merged.events, whole.events);
    }
    // And equality can fail: another seed, or one replication fewer.
    let mut other = options(0..7, 1);
    other.seed = 100;
    assert!(model.run(&other, &Silent).unwrap() != whole);
    assert!(RunResults::merge([&run(&model, 0..3, 1), &run(&model, 3..6, 1)]).unwrap() != whole);
}

#[test]
fn a_range_run_holds_the_same_replications_as_a_full_run() {
    let model = Model::new(&scenario()).unwrap();
    let whole = run(&model, 0..6, 2);
    let part = run(&model, 3..6, 2);
    assert_eq!((part.first_replication, part.replications, part.replication_range()), (3, 3, 3..6));
    assert_eq!(part.series(), whole.series().slice(s![.., 3..6, ..]));
    assert_eq!(part.state_totals(), whole.state_totals().slice(s![3..6, .., ..]));
    assert_eq!(part.activity_by_year(), whole.activity_by_year().slice(s![3..6, .., .., ..]));
    assert_eq!(part.activity_by_month(), whole.activity_by_month().slice(s![3..6, .., ..]));
    assert_eq!(part.flows_by_replication(), whole.flows_by_replication().slice(s![3..6, .., ..]));
    assert_eq!(part.initial_lac, whole.initial_lac.slice(s![3..6]));
    // Replication 3 is the only one of the part below the quantile sample of 4; no event log
    // without replication 0.
    assert_eq!(part.quantile_sample, 1);
    assert!(part.events.is_empty());
    // Its quantiles are those of replication 3 alone; beyond the sample there are none.
    let stocks3 = whole.full_stocks().unwrap().index_axis(Axis(0), 3).to_owned();
    assert_eq!(part.stocks.p50.clone().into_dyn(), stocks3);
    assert!(run(&model, 4..6, 1).stocks.p50.iter().all(|x| x.is_nan()));
    // Costs are drawn per replication by global index: the part's are the whole run's rows.
    let costs = CostModel::new(&scenario()).unwrap();
    for basis in Basis::ALL {
        let (whole_costs, part_costs) = (costs.costs(&whole), costs.costs(&part));
        assert_eq!(part_costs.by_year(basis), whole_costs.by_year(basis).slice(s![3..6, .., .., ..]));
        assert_eq!(part_costs.monthly(basis), whole_costs.monthly(basis).slice(s![3..6, .., ..]));
    }
}

#[test]
fn costs_of_merged_results_are_those_of_one_run() {
    let model = Model::new(&scenario()).unwrap();
    let costs = CostModel::new(&scenario()).unwrap();
    let whole = run(&model, 0..5, 1);
    let merged = RunResults::merge(&[run(&model, 0..2, 2), run(&model, 2..5, 2)]).unwrap();
    let (a, b) = (costs.costs(&whole), costs.costs(&merged));
    assert_eq!(a.by_year(Basis::Nominal), b.by_year(Basis::Nominal));
    assert_eq!(a.monthly(Basis::Discounted), b.monthly(Basis::Discounted));
}

#[test]
fn merging_refuses_parts_of_different_runs_gaps_and_overlaps() {
    let model = Model::new(&scenario()).unwrap();
    let a = run(&model, 0..2, 2);
    let refused = |parts: &[&RunResults], field: &str, words: &str| match RunResults::merge(parts.iter().copied()) {
        Err(e @ CarecastError::Merge(_)) => {
            let message = e.to_string();
            assert_eq!(e.field().unwrap().path, field, "{message}");
            assert!(message.contains(words), "{message}");
        }
        Err(e) => panic!("expected a merge error, got {e}"),
        Ok(_) => panic!("merged {field}"),
    };
    refused(&[], "parts", "one or more results");
    refused(&[&a, &run(&model, 3..4, 1)], "replications", "0..2 and 3..4, which leave a gap");
    refused(&[&a, &run(&model, 1..4, 1)], "replications", "0..2 and 1..4, which overlap");
    refused(&[&a, &a], "replications", "overlap");
    let with = |change: &dyn Fn(&mut RunOptions)| {
        let mut o = options(2..4, 1);
        change(&mut o);
        model.run(&o, &Silent).unwrap()
    };
    refused(&[&a, &with(&|o| o.seed = 7)], "seed", "got 7 (replications 2..4); allowed: 99, as in replications 0..2");
    refused(&[&a, &with(&|o| o.months = 6)], "months", "6 months from 2015-04");
    refused(&[&a, &with(&|o| o.quantile_sample = 200)], "quantile_sample", "200");
    refused(&[&a, &with(&|o| o.keep_full_detail = false)], "keep_full_detail", "false");
    refused(&[&a, &with(&|o| o.log_families = 0)], "log_families", "0");
    let other = scenario().updated(serde_json::json!({"policy": {"early_help": {"places": 900}}})).unwrap();
    let b = Model::new(&other).unwrap().run(&options(2..4, 1), &Silent).unwrap();
    refused(&[&a, &b], "scenario", "the same scenario");
    assert_ne!(scenario().fingerprint(), other.fingerprint());
    assert_eq!(scenario().fingerprint(), Scenario::preset("wolverhampton-2015-redesign").unwrap().fingerprint());
}

/// FNV-1a, 64 bits: what the encoding's checksum is.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn results_round_trip_through_bytes_and_damaged_bytes_are_refused() {
    let model = Model::new(&scenario()).unwrap();
    let whole = run(&model, 0..3, 2);
    let bytes = whole.to_bytes();
    let back = RunResults::from_bytes(&bytes).unwrap();
    assert!(back == whole);
    assert_eq!(back.to_bytes(), bytes);
    // A range part with no quantile sample and no detail, and a merge of parts, too.
    let mut plain = RunOptions::new(0, 1, 5).range(10..12);
    plain.quantile_sample = 4;
    let part = model.run(&plain, &Silent).unwrap();
    assert!(RunResults::from_bytes(&part.to_bytes()).unwrap() == part);
    // Compact: the default run of 3 replications x 12 months, sums and sample included.
    assert!(bytes.len() < 200_000, "{} bytes", bytes.len());

    let refused = |bytes: &[u8], words: &str| match RunResults::from_bytes(bytes) {
        Err(e @ CarecastError::Decode { .. }) => assert!(e.to_string().contains(words), "{e}"),
        Err(e) => panic!("expected a decoding error, got {e}"),
        Ok(_) => panic!("read damaged bytes"),
    };
    refused(b"", "not carecast results");
    refused(b"pickle", "not carecast results");
    for cut in [17, bytes.len() / 2, bytes.len() - 1] {
        refused(&bytes[..cut], "checksum");
    }
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 3] ^= 0x10;
    refused(&flipped, "checksum");
    // Another format version, newer or older, with a valid checksum.
    for (version, message) in [(6, "format version 6; this carecast"), (3, "format version 3; this carecast (")] {
        let mut other = bytes[..bytes.len() - 8].to_vec();
        other[16] = version;
        other.extend_from_slice(&fnv1a(&other).to_le_bytes());
        refused(&other, message);
    }
    // Version 4 (rows without Rice codes) is still read.
    let mut older = bytes[..bytes.len() - 8].to_vec();
    older[16] = 4;
    older.extend_from_slice(&fnv1a(&older).to_le_bytes());
    assert!(RunResults::from_bytes(&older).is_ok());
    // Damage behind a valid checksum is still found, never a panic: every truncation of the
    // body of a small part, resealed.
    let mut small = RunOptions::new(1, 1, 5);
    small.months = 1;
    let body = model.run(&small, &Silent).unwrap().to_bytes();
    let body = &body[..body.len() - 8];
    for cut in 16..body.len() {
        let mut b = body[..cut].to_vec();
        b.extend_from_slice(&fnv1a(&b).to_le_bytes());
        assert!(RunResults::from_bytes(&b).is_err(), "cut at {cut}");
    }
}

/// Records every progress report.
struct Record(Mutex<Vec<(usize, usize)>>);

impl Progress for Record {
    fn update(&self, done: usize, total: usize) -> bool {
        self.0.lock().unwrap().push((done, total));
        true
    }
}

#[test]
fn range_options_are_checked_and_progress_counts_within_the_range() {
    let model = Model::new(&scenario()).unwrap();
    let record = Record(Mutex::new(Vec::new()));
    model.run(&RunOptions::new(0, 1, 1).range(40..43), &record).unwrap();
    let reports = record.0.into_inner().unwrap();
    assert!(reports.iter().all(|&(done, total)| total == 3 && done <= 3), "{reports:?}");
    assert_eq!(reports.last(), Some(&(3, 3)));
    let refused = |o: RunOptions, option: &str, words: &str| match model.run(&o, &Silent) {
        Err(e @ CarecastError::RunOption { .. }) => {
            let message = e.to_string();
            assert!(message.contains(option) && message.contains(words), "{message}")
        }
        other => panic!("expected a run option error, got {:?}", other.map(|r| r.replication_range())),
    };
    #[allow(clippy::reversed_empty_ranges)]
    refused(RunOptions::new(0, 1, 1).range(5..3), "replications", "got 0");
    refused(RunOptions::new(0, 1, 1).range(5..5), "replications", "got 0");
    let far = carecast::engine::MAX_FIRST_REPLICATION + 1;
    refused(RunOptions::new(0, 1, 1).range(far..far + 1), "first_replication", "2^53");
    // The memory estimate counts only the quantile sample inside the range.
    let near = model.memory_estimate(&RunOptions::new(0, 10, 1).range(0..300));
    let beyond = model.memory_estimate(&RunOptions::new(0, 10, 1).range(300..600));
    // 64 bytes of sums and summaries a cell against 64 + about 0.65 x 200 with the packed sample.
    assert!(beyond.summaries * 2 < near.summaries, "{} vs {}", beyond.summaries, near.summaries);
}
