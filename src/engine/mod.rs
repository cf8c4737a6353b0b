//! The Monte Carlo engine: replications in parallel, each on its own keyed random streams.

mod cohort;
pub(crate) mod compiled;
mod memory;
mod sample;
mod world;

pub use compiled::Model;
pub use memory::{MemoryEstimate, available_memory, format_bytes};
pub use sample::{ParameterSample, SampleChance};

use crate::error::{CarecastError, ConfigError, Result};
use crate::outputs::{RepOutput, ResultsBuilder, RunHeader, RunResults};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often the calling thread reports progress (and so can be cancelled) while replications run.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Most worker threads a run may use, per core: more only adds memory (each thread holds a
/// replication's world and its batch share of outputs), not speed.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// Memory the replications waiting to be folded into the results may hold, in bytes (512 MiB);
/// batches are made smaller when a replication's output is large.
pub const BATCH_MEMORY_BUDGET: u64 = 512 << 20;

/// Largest global index a replication range may start at (2^53: indices stay exact wherever
/// they become floating-point numbers, as in Python or JSON).
pub const MAX_FIRST_REPLICATION: usize = 1 << 53;

/// Cores available to this process (1 if unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How to run a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOptions {
    /// Number of replications (1 to 1,000,000).
    pub replications: usize,
    /// Global index of the first replication: a run covers replications
    /// `first_replication..first_replication + replications` (see [`RunOptions::range`]).
    pub first_replication: usize,
    /// Months to simulate (1 to 1,200). [`RunOptions::new`] saturates `years * 12` rather than
    /// wrapping, so an absurd number of years is refused, not silently shortened.
    pub months: usize,
    /// Seed; the same seed gives the same results whatever the thread count.
    pub seed: u64,
    /// Worker threads, 1 to [`MAX_THREADS_PER_CORE`] x the cores; `None` uses every core.
    pub threads: Option<usize>,
    /// Replications whose detailed breakdowns are kept for quantiles.
    pub quantile_sample: usize,
    /// Keep the full per-replication detail arrays (memory grows with replications).
    pub keep_full_detail: bool,
    /// Number of families of replication 0 whose events are logged (if the run includes it).
    pub log_families: u32,
}

impl RunOptions {
    /// `replications` replications (`0..replications`) of `years` years with `seed`, other
    /// options at defaults. (`years * 12` saturates: more than 100 years is refused when the run
    /// starts.)
    pub fn new(replications: usize, years: usize, seed: u64) -> Self {
        Self { replications, months: years.saturating_mul(12), seed, ..Self::default() }
    }

    /// Run the replications of `range` only (global indices): replication `k` comes out the
    /// same as in a run over `0..n` with the same seed, so runs over contiguous ranges merge
    /// into one ([`RunResults::merge`]). Replaces the number of replications.
    ///
    /// # Examples
    /// ```
    /// use carecast::RunOptions;
    /// let options = RunOptions::new(0, 10, 42).range(100..150);
    /// assert_eq!((options.first_replication, options.replications), (100, 50));
    /// assert_eq!(options.replication_range(), 100..150);
    /// ```
    pub fn range(mut self, range: std::ops::Range<usize>) -> Self {
        self.first_replication = range.start;
        self.replications = range.end.saturating_sub(range.start);
        self
    }

    /// The global indices of the replications run.
    pub fn replication_range(&self) -> std::ops::Range<usize> {
        self.first_replication..self.first_replication.saturating_add(self.replications)
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
        if self.first_replication > MAX_FIRST_REPLICATION {
            return bad(
                "first_replication",
                format!("got {}; allowed: 0 to {MAX_FIRST_REPLICATION} (2^53)", self.first_replication),
            );
        }
        if !(1..=1200).contains(&self.months) {
            let got = match self.months {
                usize::MAX => "more than 100 years".to_string(),
                m if m > 1200 && m % 12 == 0 => format!("{m} months ({} years)", m / 12),
                m => m.to_string(),
            };
            return bad("months", format!("got {got}; allowed: 1 to 1,200 (100 years)"));
        }
        if let Some(t) = self.threads {
            let most = MAX_THREADS_PER_CORE * cores();
            if !(1..=most).contains(&t) {
                return bad(
                    "threads",
                    format!(
                        "got {t}; allowed: 1 to {most} ({MAX_THREADS_PER_CORE} per core on this machine's {} cores)",
                        cores()
                    ),
                );
            }
        }
        Ok(())
    }

    /// The worker threads a run with these options uses.
    pub fn worker_threads(&self) -> usize {
        self.threads.unwrap_or_else(cores)
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            replications: 100,
            first_replication: 0,
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
    /// Called from the thread that called [`Model::run`], while the replications run on worker
    /// threads: every [`PROGRESS_INTERVAL`] (about 0.1 s; at least every 0.2 s unless the
    /// machine is overloaded) with the count so far, which may not have changed, after each
    /// batch of replications, and while the results are summarised at the end (with `done ==
    /// total`). Return `false` to stop the run, at any of these: the workers notice within a
    /// fraction of a second, whatever the scenario, and the run fails with
    /// [`CarecastError::Cancelled`].
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
    /// Run the model: the replications of [`RunOptions::replication_range`] (`0..replications`
    /// unless a range was given).
    ///
    /// Replications run in parallel on worker threads, in batches; results are folded in
    /// replication order, so they are identical for any thread count, and each replication is
    /// seeded by its global index, so runs over ranges merge into exactly the run over their
    /// union ([`RunResults::merge`]). Meanwhile the calling thread reports to `progress` (the
    /// replications done out of those of the range) every [`PROGRESS_INTERVAL`] and after each
    /// batch, and `progress` may cancel the run; the workers look at the stop flag before every
    /// month and inside each month's long loops, so a cancelled run ends within a fraction of a
    /// second.
    ///
    /// Before anything runs, the memory the run needs is estimated ([`Model::memory_estimate`])
    /// and a run that would not fit in the memory available is refused.
    ///
    /// # Errors
    /// [`CarecastError::RunOption`] for bad options, [`CarecastError::TooLarge`] for a run that
    /// would not fit in memory, [`CarecastError::Cancelled`] if cancelled.
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
        if let Some(sample) = &self.sample {
            sample.covers(options.replication_range())?;
        }
        let estimate = self.memory_estimate(options);
        estimate.check(available_memory())?;
        let threads = options.worker_threads();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| CarecastError::RunOption { option: "threads", message: e.to_string() })?;
        let total = options.replications;
        let first = options.first_replication;
        let mut builder = ResultsBuilder::new(
            self.start,
            options.months,
            self.localities,
            first,
            options.quantile_sample,
            options.keep_full_detail,
        );
        let stop = AtomicBool::new(false);
        let batch = estimate.batch;
        // Workers compute batch after batch on the pool, from a thread of their own; this thread
        // folds each batch in order as it arrives and reports progress in between. The channel
        // holds no batch: a finished batch waits for this thread to take it, so at most two
        // batches of outputs exist at once.
        let (sender, receiver) = mpsc::sync_channel::<Vec<Result<Option<RepOutput>>>>(0);
        let outcome = std::thread::scope(|scope| {
            let stop = &stop;
            scope.spawn(move || {
                pool.install(|| {
                    let mut start = 0;
                    while start < total && !stop.load(Ordering::Relaxed) {
                        let end = (start + batch).min(total);
                        let outputs: Vec<Result<Option<RepOutput>>> = (first + start..first + end)
                            .into_par_iter()
                            .map(|rep| {
                                if stop.load(Ordering::Relaxed) {
                                    return Ok(None);
                                }
                                self.replicate(options, rep, stop)
                            })
                            .collect();
                        if sender.send(outputs).is_err() {
                            return; // the calling thread has stopped listening
                        }
                        start = end;
                    }
                });
            });
            let mut done = 0;
            let outcome = loop {
                match receiver.recv_timeout(PROGRESS_INTERVAL) {
                    Ok(outputs) => {
                        let mut cancelled = false;
                        let mut failed = None;
                        let mut polled = Instant::now();
                        for out in outputs {
                            match out {
                                Err(e) => {
                                    failed.get_or_insert(e);
                                    cancelled = true;
                                }
                                Ok(Some(o)) if !cancelled => {
                                    builder.push(o);
                                    done += 1;
                                    // Folding a batch of large outputs takes a while: keep reporting.
                                    if polled.elapsed() >= PROGRESS_INTERVAL && done < total {
                                        polled = Instant::now();
                                        cancelled = !progress.update(done, total);
                                    }
                                }
                                _ => cancelled = true,
                            }
                        }
                        if let Some(e) = failed {
                            break Err(e);
                        }
                        if cancelled {
                            break Err(CarecastError::Cancelled { completed: done, total });
                        }
                        if !progress.update(done, total) {
                            break Err(CarecastError::Cancelled { completed: done, total });
                        }
                        if done == total {
                            break Ok(());
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if !progress.update(done, total) {
                            break Err(CarecastError::Cancelled { completed: done, total });
                        }
                    }
                    // The workers stopped without finishing: only a stop does that.
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        break Err(CarecastError::Cancelled { completed: done, total });
                    }
                }
            };
            // Stop the workers and stop listening (a worker waiting to hand over a batch then
            // gives up); leaving the scope waits for them, a fraction of a second once stopped.
            stop.store(true, Ordering::Relaxed);
            drop(receiver);
            outcome
        });
        outcome?;
        // Summarising a large run takes seconds: keep reporting, and a stop still stops.
        let mut polled = Instant::now();
        let mut keep_going = || {
            if polled.elapsed() < PROGRESS_INTERVAL {
                return true;
            }
            polled = Instant::now();
            progress.update(total, total)
        };
        let header = RunHeader {
            start: self.start,
            seed: options.seed,
            scenario_fingerprint: self.scenario.fingerprint(),
            localities: self.locality_names.clone(),
            under_18: self.scenario.population.under_18,
            log_families: options.log_families,
            parameter_names: self.parameter_names.clone(),
        };
        builder.finish(header, &mut keep_going).ok_or(CarecastError::Cancelled { completed: total, total })
    }
}

impl Model {
    /// Run replication `rep` (global index) of a run with `options`, or `None` if `stop` was
    /// set. Without an uncertainty table or a parameter sample, the replication runs on this
    /// model. Otherwise its values are drawn (the table's, from their streams) or taken (the
    /// sample's row), set in the scenario ([`crate::Scenario::with_parameters`]), and the
    /// replication runs on a model of that scenario, with chance stream `rep` (or the sample's
    /// shared stream); its parameter draws are recorded in this model's columns.
    fn replicate(&self, options: &RunOptions, rep: usize, stop: &AtomicBool) -> Result<Option<RepOutput>> {
        let log = if rep == 0 { options.log_families } else { 0 };
        if self.uncertainty.is_none() && self.sample.is_none() {
            return Ok(world::World::with_stop(self, options.seed, rep as u64, options.months, log, Some(stop)).run());
        }
        let (row, chance) = self.sample.as_ref().map_or((rep, rep), |s| s.row_and_chance(options.seed, rep));
        let mut values: Vec<(&str, f64)> = Vec::new();
        if let Some(table) = &self.uncertainty {
            values.extend(table.paths().zip(table.draw(options.seed, chance as u64)));
        }
        if let Some(sample) = &self.sample {
            for (name, &v) in sample.names.iter().zip(sample.values.row(row)) {
                match values.iter_mut().find(|(p, _)| *p == name.as_str()) {
                    Some(given) => given.1 = v,
                    None => values.push((name, v)),
                }
            }
        }
        let scenario = self.scenario.with_parameters(&values).map_err(|e| match e {
            CarecastError::Config(c) => {
                let set: Vec<String> = values.iter().map(|(p, v)| format!("{p} = {v}")).collect();
                CarecastError::Config(ConfigError::new(
                    c.path,
                    format!("{} in replication {rep}, which set {}", c.value, set.join(", ")),
                    c.allowed,
                ))
            }
            other => other,
        })?;
        let model = Model::new(&scenario)?;
        let Some(mut out) =
            world::World::with_stop(&model, options.seed, chance as u64, options.months, log, Some(stop)).run()
        else {
            return Ok(None);
        };
        let drawn = std::mem::take(&mut out.parameters);
        out.parameters = self
            .parameter_names
            .iter()
            .map(|name| match values.iter().find(|(p, _)| p == name) {
                Some((_, v)) => *v,
                None => model.parameter_names.iter().position(|n| n == name).map_or(f64::NAN, |i| drawn[i]),
            })
            .collect();
        Ok(Some(out))
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
