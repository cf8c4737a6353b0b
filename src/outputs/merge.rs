//! Merging the results of runs over replication ranges into the results of one run.

use super::{RunHeader, RunParts, RunResults};
use crate::error::{CarecastError, ConfigError, Result};
use ndarray::{Array, Axis, RemoveAxis};
use std::ops::Range;

impl RunResults {
    /// The global indices of the replications these results hold.
    pub fn replication_range(&self) -> Range<usize> {
        self.first_replication..self.first_replication + self.replications
    }

    /// Merge the results of runs of one scenario over contiguous replication ranges (given in
    /// any order) into the results of one run over their union: bit for bit what
    /// [`Model::run`](crate::Model::run) over the whole range gives, whatever the chunking.
    ///
    /// The parts must share the scenario ([`RunResults::scenario_fingerprint`]), seed, months,
    /// localities, quantile sample, full detail and event log asked for, and their ranges must
    /// leave no gap and not overlap.
    ///
    /// # Errors
    /// [`CarecastError::Merge`] naming what differs, or the gap or overlap.
    ///
    /// # Examples
    /// ```
    /// use carecast::{Model, RunOptions, RunResults, Scenario, Silent};
    /// let model = Model::new(&Scenario::default_preset()).unwrap();
    /// let run = |range| model.run(&RunOptions::new(0, 1, 7).range(range), &Silent).unwrap();
    /// let merged = RunResults::merge([&run(2..5), &run(0..2)]).unwrap();
    /// assert_eq!(merged.replication_range(), 0..5);
    /// assert!(merged == run(0..5));
    /// ```
    pub fn merge<'a>(parts: impl IntoIterator<Item = &'a RunResults>) -> Result<RunResults> {
        let mut parts: Vec<&RunResults> = parts.into_iter().collect();
        parts.sort_by_key(|p| p.first_replication);
        let Some(&first) = parts.first() else {
            return Err(mismatch("parts", "no results", "one or more results to merge"));
        };
        for part in &parts[1..] {
            check_same(first, part)?;
        }
        for pair in parts.windows(2) {
            let (before, after) = (pair[0].replication_range(), pair[1].replication_range());
            if after.start != before.end {
                let (what, allowed) = if after.start < before.end {
                    ("overlap", "ranges that do not overlap")
                } else {
                    ("leave a gap", "contiguous ranges, with no gap")
                };
                return Err(mismatch(
                    "replications",
                    format!("{before:?} and {after:?}, which {what}"),
                    format!("{allowed} (each replication once)"),
                ));
            }
        }
        let mut sums = first.sums.clone();
        for part in &parts[1..] {
            sums.absorb(&part.sums);
        }
        let full = first.full.as_ref().map(|_| super::FullDetail {
            stocks: parts.iter().flat_map(|p| p.full.as_ref().map_or(&[][..], |f| &f.stocks)).copied().collect(),
            flows: parts.iter().flat_map(|p| p.full.as_ref().map_or(&[][..], |f| &f.flows)).copied().collect(),
        });
        let merged = RunParts {
            header: RunHeader {
                start: first.start,
                seed: first.seed,
                scenario_fingerprint: first.scenario_fingerprint,
                localities: first.localities.clone(),
                under_18: first.under_18,
                log_families: first.log_families,
                parameter_names: first.parameter_names.clone(),
            },
            months: first.months,
            replications: parts.iter().map(|p| p.replications).sum(),
            first_replication: first.first_replication,
            initial_lac: along_replications(&parts, 0, |p| &p.initial_lac),
            records: parts.iter().flat_map(|p| p.records.iter().cloned()).collect(),
            parameter_draws: along_replications(&parts, 0, |p| &p.parameter_draws),
            full,
            events: parts.iter().find(|p| p.first_replication == 0).map(|p| p.events.clone()).unwrap_or_default(),
            sums,
        };
        Ok(merged.summarise(&mut || true).expect("never asked to stop"))
    }
}

impl super::DetailSums {
    /// Add the sums of `later`, whose replications follow these.
    fn absorb(&mut self, later: &super::DetailSums) {
        self.stocks.absorb(&later.stocks);
        self.flows.absorb(&later.flows);
        self.queues.absorb(&later.queues);
        self.caseloads.absorb(&later.caseloads);
    }
}

/// A per-replication array of every part, concatenated along its replication axis `axis`.
fn along_replications<D: RemoveAxis>(
    parts: &[&RunResults],
    axis: usize,
    array: impl Fn(&RunResults) -> &Array<f64, D>,
) -> Array<f64, D> {
    let views: Vec<_> = parts.iter().map(|p| array(p).view()).collect();
    ndarray::concatenate(Axis(axis), &views).expect("parts of one run agree in every other dimension")
}

/// Refuse to merge `part` with `first` unless they are parts of one run.
fn check_same(first: &RunResults, part: &RunResults) -> Result<()> {
    let of = |r: &RunResults| format!("replications {:?}", r.replication_range());
    let differ = |what: &str, got: String, want: String| {
        Err(mismatch(what, format!("{got} ({})", of(part)), format!("{want}, as in {}", of(first))))
    };
    if part.scenario_fingerprint != first.scenario_fingerprint {
        return differ(
            "scenario",
            format!("a scenario with fingerprint {:016x}", part.scenario_fingerprint),
            format!("the same scenario (fingerprint {:016x})", first.scenario_fingerprint),
        );
    }
    if part.seed != first.seed {
        return differ("seed", part.seed.to_string(), first.seed.to_string());
    }
    if (part.start, part.months) != (first.start, first.months) {
        let span = |r: &RunResults| format!("{} months from {}", r.months, r.start);
        return differ("months", span(part), span(first));
    }
    if part.localities != first.localities {
        return differ("localities", part.localities.join(", "), first.localities.join(", "));
    }
    if part.sums.keep() != first.sums.keep() {
        return differ("quantile_sample", part.sums.keep().to_string(), first.sums.keep().to_string());
    }
    if part.full.is_some() != first.full.is_some() {
        return differ("keep_full_detail", part.full.is_some().to_string(), first.full.is_some().to_string());
    }
    if part.log_families != first.log_families {
        return differ("log_families", part.log_families.to_string(), first.log_families.to_string());
    }
    Ok(())
}

fn mismatch(what: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> CarecastError {
    CarecastError::Merge(ConfigError::new(what, value, allowed))
}
