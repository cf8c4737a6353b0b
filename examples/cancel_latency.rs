//! How long a run takes to stop once cancelled: the time from setting the cancel flag (what
//! Ctrl-C does from Python) to `Model::run` returning.
//!
//! ```text
//! cargo run --release --example cancel_latency -- [CHILDREN] [YEARS] [REPLICATIONS] [WAIT_SECONDS]
//! cargo run --release --example cancel_latency -- 2000000 10 16    # 2 million children
//! cargo run --release --example cancel_latency -- 50000 100 16     # 100 years
//! ```
//!
//! The default preset is scaled to `CHILDREN` under-18s (its caseload scaled with it); the flag is
//! set `WAIT_SECONDS` (default 2) after the run starts.

use carecast::{CancelFlag, Model, RunOptions, Scenario};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: f64| args.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(default);
    let children = arg(0, 2_000_000.0) as u64;
    let years = arg(1, 10.0) as usize;
    let replications = arg(2, 16.0) as usize;
    let wait = arg(3, 2.0);
    let base = Scenario::default_preset();
    let scale = children as f64 / f64::from(base.population.under_18);
    let i = &base.population.initial;
    let scaled = |n: u32| (f64::from(n) * scale).round() as u64;
    let scenario = base
        .updated(json!({"population": {"under_18": children, "initial": {
            "looked_after": scaled(i.looked_after),
            "child_protection": scaled(i.child_protection),
            "child_in_need": scaled(i.child_in_need),
            "early_help_families": scaled(i.early_help_families),
            "waiting_families": scaled(i.waiting_families),
        }}, "policy": {"early_help": {"places": scaled(base.policy.early_help.capacity())}}}))
        .expect("scaled scenario is valid");
    let model = Model::new(&scenario).expect("compiles");
    let flag = AtomicBool::new(false);
    let options = RunOptions::new(replications, years, 1);
    let started = Instant::now();
    let set_at = std::thread::scope(|s| {
        let run = s.spawn(|| model.run(&options, &CancelFlag(&flag)));
        std::thread::sleep(Duration::from_secs_f64(wait));
        let set_at = Instant::now();
        flag.store(true, Ordering::Relaxed);
        let result = run.join().expect("run thread");
        match result {
            Ok(_) => println!("the run finished before the cancellation was seen"),
            Err(e) => println!("{e}"),
        }
        set_at
    });
    let stopped = set_at.elapsed().as_secs_f64();
    println!(
        "{children} children x {years} years x {replications} replications: cancelled after {wait:.1} s, \
         stopped {stopped:.3} s later (run lasted {:.1} s)",
        started.elapsed().as_secs_f64()
    );
}
