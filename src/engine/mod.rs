//! The Monte Carlo engine: replications in parallel, each on its own keyed random streams.

mod cohort;
mod compiled;
mod world;

pub use compiled::Model;

use crate::error::{CarecastError, Result};
use crate::outputs::{ResultsBuilder, RunResults};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// How to run a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOptions {
    /// Number of replications (1 to 1,000,000).
    pub replications: usize,
    /// Months to simulate (1 to 1,200).
    pub months: usize,
    /// Seed; the same seed gives the same results whatever the thread count.
    pub seed: u64,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Replications whose detailed breakdowns are kept for quantiles.
    pub quantile_sample: usize,
    /// Keep the full per-replication detail arrays (memory grows with replications).
    pub keep_full_detail: bool,
    /// Number of families of the first replication whose events are logged.
    pub log_families: u32,
}

impl RunOptions {
    /// `replications` replications of `years` years with `seed`, other options at defaults.
    pub fn new(replications: usize, years: usize, seed: u64) -> Self {
        Self { replications, months: years * 12, seed, ..Self::default() }
    }

    /// Set the number of worker threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Ask for the event log of `families` families of the first replication.
    pub fn log_families(mut self, families: u32) -> Self {
        self.log_families = families;
        self
    }

    /// Keep the full per-replication detail arrays.
    pub fn keep_full_detail(mut self, keep: bool) -> Self {
        self.keep_full_detail = keep;
        self
    }

    fn check(&self) -> Result<()> {
        let bad = |option, message: String| Err(CarecastError::RunOption { option, message });
        if !(1..=1_000_000).contains(&self.replications) {
            return bad("replications", format!("got {}; allowed: 1 to 1,000,000", self.replications));
        }
        if !(1..=1200).contains(&self.months) {
            return bad("months", format!("got {}; allowed: 1 to 1,200 (100 years)", self.months));
        }
        if let Some(t) = self.threads {
            if !(1..=1024).contains(&t) {
                return bad("threads", format!("got {t}; allowed: 1 to 1,024"));
            }
        }
        Ok(())
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            replications: 100,
            months: 120,
            seed: 20150401,
            threads: None,
            quantile_sample: 200,
            keep_full_detail: false,
            log_families: 0,
        }
    }
}

/// Progress reports and cancellation for a run.
pub trait Progress: Sync {
    /// Called after each batch of replications with how many are done. Return `false` to stop
    /// the run (it then fails with [`CarecastError::Cancelled`]).
    fn update(&self, done: usize, total: usize) -> bool;
}

/// No progress reporting, never cancels.
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: usize, _: usize) -> bool {
        true
    }
}

/// Cancellation by a shared flag (set it from another thread or a signal handler).
pub struct CancelFlag<'a>(pub &'a AtomicBool);

impl Progress for CancelFlag<'_> {
    fn update(&self, _: usize, _: usize) -> bool {
        !self.0.load(Ordering::Relaxed)
    }
}

impl Model {
    /// Run the model.
    ///
    /// Replications run in parallel in batches; results are folded in replication order, so
    /// they are identical for any thread count. `progress` is told after each batch and may
    /// cancel the run.
    ///
    /// # Errors
    /// [`CarecastError::RunOption`] for bad options, [`CarecastError::Cancelled`] if cancelled.
    ///
    /// # Examples
    /// ```
    /// use carecast::{Model, RunOptions, Scenario, Silent};
    /// let model = Model::new(&Scenario::default_preset()).unwrap();
    /// let results = model.run(&RunOptions::new(4, 1, 7), &Silent).unwrap();
    /// assert_eq!(results.indicator("lac_stock").unwrap().shape(), &[4, 12]);
    /// ```
    pub fn run(&self, options: &RunOptions, progress: &dyn Progress) -> Result<RunResults> {
        options.check()?;
        let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| CarecastError::RunOption { option: "threads", message: e.to_string() })?;
        let total = options.replications;
        let mut builder =
            ResultsBuilder::new(options.months, self.localities, options.quantile_sample, options.keep_full_detail);
        let stop = AtomicBool::new(false);
        let batch = (threads * 4).max(8);
        let mut done = 0;
        while done < total {
            let end = (done + batch).min(total);
            let outputs: Vec<_> = pool.install(|| {
                (done..end)
                    .into_par_iter()
                    .map(|rep| {
                        if stop.load(Ordering::Relaxed) {
                            return None;
                        }
                        let log = if rep == 0 { options.log_families } else { 0 };
                        let world = world::World::new(self, options.seed, rep as u64, options.months, log);
                        world.run(&|| !stop.load(Ordering::Relaxed))
                    })
                    .collect()
            });
            for out in outputs {
                match out {
                    Some(o) => builder.push(o),
                    None => return Err(CarecastError::Cancelled { completed: done, total }),
                }
            }
            done = end;
            if !progress.update(done, total) {
                stop.store(true, Ordering::Relaxed);
                if done < total {
                    return Err(CarecastError::Cancelled { completed: done, total });
                }
            }
        }
        Ok(builder.finish(self.start, options.seed, self.locality_names.clone(), self.scenario.population.under_18))
    }
}

/// Run replication `replication` month by month, checking the engine's invariants after every
/// month: nobody aged 18 or over in the model, early help and intensive support counters equal
/// to the families they count, early help starts never taking a locality above its places (a
/// caseload above them can only be inherited from the start or a cut in places), intensive
/// support within its places. For tests; returns the first violation.
///
/// # Errors
/// A description of the first invariant that failed.
#[doc(hidden)]
pub fn audit(model: &Model, seed: u64, replication: u64, months: usize) -> std::result::Result<(), String> {
    let mut world = world::World::new(model, seed, replication, months, 0);
    let mut before: Vec<u32> = world.early_help_caseload().to_vec();
    for t in 0..months as i32 {
        world.step_month(t);
        world.audit(t)?;
        let places = world.early_help_places();
        for (l, (&now, &was)) in world.early_help_caseload().iter().zip(&before).enumerate() {
            if now > places[l].max(was) {
                return Err(format!(
                    "month {t}: locality {l} has {now} families in early help for {} places",
                    places[l]
                ));
            }
        }
        before = world.early_help_caseload().to_vec();
    }
    Ok(())
}

/// Compile `scenario` and run it: a shortcut for [`Model::new`] then [`Model::run`].
///
/// # Errors
/// As [`Model::new`] and [`Model::run`].
pub fn run(scenario: &crate::Scenario, options: &RunOptions, progress: &dyn Progress) -> Result<RunResults> {
    Model::new(scenario)?.run(options, progress)
}
