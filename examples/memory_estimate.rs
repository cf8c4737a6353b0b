//! The memory estimate of a run beside what the run uses: prints the estimate, runs, and prints
//! the peak resident memory of the process (`VmHWM`; `/usr/bin/time -v` gives the same as its
//! maximum resident set size) and what the results keep.
//!
//! ```text
//! cargo run --release --example memory_estimate -- [CHILDREN] [LOCALITIES] [REPLICATIONS] [YEARS] [THREADS]
//! cargo run --release --example memory_estimate -- PRESET [REPLICATIONS] [YEARS] [THREADS]
//! ```
//!
//! The first form scales the default preset to `CHILDREN` under-18s in `LOCALITIES` equal
//! localities; the second runs a preset as it is.

use carecast::engine::format_bytes;
use carecast::{Model, RunOptions, Scenario, Silent};
use serde_json::json;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let preset = match args.first() {
        Some(first) if first.parse::<usize>().is_err() => Some(args.remove(0)),
        _ => None,
    };
    let arg = |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (scenario, rest) = match &preset {
        Some(name) => (Scenario::preset(name).expect("a preset"), 0),
        None => (scaled(arg(0, 57_000), arg(1, 8)), 2),
    };
    let replications = arg(rest, 100);
    let years = arg(rest + 1, 10);
    let threads = arg(rest + 2, 2);
    let model = Model::new(&scenario).expect("compiles");
    let options = RunOptions::new(replications, years, 1).threads(threads);
    let e = model.memory_estimate(&options);
    println!(
        "estimate {} = {} a replication x {} + summaries {} + in flight {} (batch {}) + worlds {}",
        format_bytes(e.total),
        format_bytes(e.per_replication),
        e.replications,
        format_bytes(e.summaries),
        format_bytes(e.in_flight),
        e.batch,
        format_bytes(e.worlds)
    );
    match model.run(&options, &Silent) {
        Ok(r) => println!(
            "ran {} replications: records {} ({} a replication)",
            r.replications,
            format_bytes(r.record_bytes() as u64),
            format_bytes((r.record_bytes() / r.replications) as u64)
        ),
        Err(err) => println!("{err}"),
    }
    if let Some(peak) = peak_resident() {
        println!("peak resident {} ({:.2} x the estimate)", format_bytes(peak), peak as f64 / e.total as f64);
    }
}

/// The default preset scaled to `children` under-18s in `localities` equal localities.
fn scaled(children: usize, localities: usize) -> Scenario {
    let base = Scenario::default_preset();
    let share = 1.0 / localities as f64;
    let locs: Vec<_> = (0..localities)
        .map(|i| json!({"name": format!("L{i}"), "population_share": share, "need": {"low": 0.5, "moderate": 0.35, "high": 0.15}}))
        .collect();
    let scale = children as f64 / f64::from(base.population.under_18);
    let i = &base.population.initial;
    let scaled = |n: u32| (f64::from(n) * scale).round() as u64;
    base.updated(json!({"population": {"under_18": children, "localities": locs, "initial": {
        "looked_after": scaled(i.looked_after),
        "child_protection": scaled(i.child_protection),
        "child_in_need": scaled(i.child_in_need),
        "early_help_families": scaled(i.early_help_families),
        "waiting_families": scaled(i.waiting_families),
    }}}))
    .expect("valid scenario")
}

/// Peak resident memory of this process in bytes (Linux: `VmHWM` in `/proc/self/status`).
fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}
