//! England's size (issue 12, item 3): the default preset scaled to about 12 million children in
//! 150 localities of unequal size and need, run, and measured beside the default preset.
//!
//! ```text
//! cargo run --release --example england -- [REPLICATIONS] [YEARS] [THREADS] [CHILDREN] [LOCALITIES]
//! cargo run --release --example england -- default [REPLICATIONS] [YEARS] [THREADS]
//! ```
//!
//! Defaults: 10 replications x 10 years on 2 threads, 12,000,000 children in 150 localities.
//! `default` runs the default preset as it is, for the comparison. Prints the memory estimate,
//! the wall and CPU time, the child moves (every flow but births and 18th birthdays outside
//! care, which the pools count in aggregate), the CPU time per child move, and the peak
//! resident memory (`VmHWM`, what `/usr/bin/time -v` reports as the maximum resident set size).
//!
//! The scaled scenario: the default preset's rates; `population.under_18` set to `CHILDREN`;
//! `LOCALITIES` localities whose population shares run from 0.5 to 1.5 times the mean and whose
//! shares of high need run from 10% to 20% (moderate 45%) (a fixed pattern, not random); the starting caseload
//! (`population.initial`) and the early help places and hubs scaled by `CHILDREN / 57,000`.

use carecast::engine::format_bytes;
use carecast::vocab::Move;
use carecast::{Model, RunOptions, Scenario, Silent};
use serde_json::json;
use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let default_preset = args.first().is_some_and(|a| a == "default");
    if default_preset {
        args.remove(0);
    }
    let arg = |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let replications = arg(0, 10);
    let years = arg(1, 10);
    let threads = arg(2, 2);
    let scenario =
        if default_preset { Scenario::default_preset() } else { england(arg(3, 12_000_000) as u32, arg(4, 150)) };
    let model = Model::new(&scenario).expect("compiles");
    let options = RunOptions::new(replications, years, 1).threads(threads);
    let estimate = model.memory_estimate(&options);
    println!(
        "{} children in {} localities, {replications} replications x {years} years on {threads} threads",
        scenario.population.under_18, model.localities
    );
    println!(
        "estimate {} (worlds {}, records {})",
        format_bytes(estimate.total),
        format_bytes(estimate.worlds),
        format_bytes(estimate.per_replication * estimate.replications)
    );
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let results = model.run(&options, &Silent).expect("runs");
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let flows = results.flows_by_replication();
    let moves: f64 = Move::ALL
        .iter()
        .filter(|&&mv| mv != Move::Birth && mv != Move::TurnedEighteen)
        .map(|&mv| flows.index_axis(ndarray::Axis(1), mv.index()).sum())
        .sum();
    println!(
        "wall {wall:.2} s, CPU {cpu:.2} s; {:.0} child moves a replication; {:.0} ns of CPU a child move",
        moves / replications as f64,
        cpu * 1e9 / moves
    );
    if let Some(peak) = peak_resident() {
        println!("peak resident {} ({:.2} x the estimate)", format_bytes(peak), peak as f64 / estimate.total as f64);
    }
}

/// The default preset scaled to `children` under-18s in `localities` localities of unequal
/// size and need.
fn england(children: u32, localities: usize) -> Scenario {
    let base = Scenario::default_preset();
    // Sizes 0.5 to 1.5 times the mean and high need 10% to 20%, in a pattern that mixes them.
    let size = |i: usize| 0.5 + ((i * 37) % 101) as f64 / 100.0;
    let total: f64 = (0..localities).map(size).sum();
    let locs: Vec<_> = (0..localities)
        .map(|i| {
            let high = 0.10 + ((i * 13) % 11) as f64 / 100.0;
            json!({
                "name": format!("LA{i:03}"),
                "population_share": size(i) / total,
                "need": {"low": 0.55 - high, "moderate": 0.45, "high": high},
            })
        })
        .collect();
    let scale = f64::from(children) / f64::from(base.population.under_18);
    let scaled = |n: u32| (f64::from(n) * scale).round() as u64;
    let i = &base.population.initial;
    let early_help = &base.policy.early_help;
    base.updated(json!({
        "population": {"under_18": children, "localities": locs, "initial": {
            "looked_after": scaled(i.looked_after),
            "child_protection": scaled(i.child_protection),
            "child_in_need": scaled(i.child_in_need),
            "early_help_families": scaled(i.early_help_families),
            "waiting_families": scaled(i.waiting_families),
        }},
        "policy": {"early_help": {"places": scaled(early_help.capacity()), "hubs": scaled(early_help.hubs)}},
    }))
    .expect("valid scenario")
}

/// CPU time of this process so far (user and system), in seconds (Linux: `/proc/self/stat`).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<f64>().ok()).sum();
    ticks / 100.0
}

/// Peak resident memory of this process in bytes (Linux: `VmHWM` in `/proc/self/status`).
fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}
