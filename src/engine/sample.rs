//! Parameter samples from outside the model (a Latin hypercube, a Sobol sequence, a calibration
//! posterior): one row of parameter values per draw, each replication run with a row.

use crate::error::{CarecastError, ConfigError, Result};
use crate::rng::{self, Purpose};
use crate::scenario::Scenario;
use crate::scenario::registry::ParameterIndex;
use ndarray::Array2;

/// Which chance (random streams of the model's events) each replication of a sample meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SampleChance {
    /// Replication `r` takes row `r` and its own chance, stream `r`: the rows must cover every
    /// replication of the run (`first_replication + replications` rows at least).
    Own,
    /// Replication `r` takes row `r / k` and chance stream `r % k`: each row is run on the same
    /// `k` chance streams (common random numbers across rows), as Sobol indices and one-way
    /// designs need. Two equal rows give equal replications.
    Shared(usize),
    /// Replication `r` takes a row drawn uniformly at random from a stream keyed by the run's
    /// seed and `r` alone (so the same whatever the threads or the replication ranges), and its
    /// own chance, stream `r`: how a sample the scenario carries (`[uncertainty.sample]`) is
    /// used. Any number of rows serves any number of replications.
    Drawn,
}

/// Parameter values given from outside, one row per draw: column `j` is the parameter at path
/// `names[j]`. The values replace, for the named paths, both a distribution written in place and
/// the uncertainty table's draws.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ParameterSample {
    /// Parameter paths, as [`Scenario::parameters`] lists them.
    pub names: Vec<String>,
    /// Rows x names.
    pub values: Array2<f64>,
    /// Which chance each replication meets.
    pub chance: SampleChance,
}

impl ParameterSample {
    /// A sample of `values` (rows x `names`), each replication with its own chance.
    pub fn new(names: Vec<String>, values: Array2<f64>) -> Self {
        ParameterSample { names, values, chance: SampleChance::Own }
    }

    /// The same sample, each row run on the same `k` chance streams.
    pub fn shared(mut self, k: usize) -> Self {
        self.chance = SampleChance::Shared(k);
        self
    }

    /// The same sample with chance `chance`.
    pub fn with_chance(mut self, chance: SampleChance) -> Self {
        self.chance = chance;
        self
    }

    /// The row and the chance stream of replication `replication` of a run seeded `seed`.
    pub fn row_and_chance(&self, seed: u64, replication: usize) -> (usize, usize) {
        match self.chance {
            SampleChance::Own => (replication, replication),
            SampleChance::Shared(k) => (replication / k.max(1), replication % k.max(1)),
            SampleChance::Drawn => {
                use rand::Rng as _;
                // Multiply-shift: a uniform index, biased by at most rows / 2^64.
                let rows = self.values.nrows().max(1) as u128;
                let mut stream = rng::stream(seed, replication as u64, Purpose::SampleRow, 0, 0);
                (((u128::from(stream.next_u64()) * rows) >> 64) as usize, replication)
            }
        }
    }

    /// Check the sample against `scenario`: each name a parameter the run can vary, named
    /// once; the shape; each value in its parameter's range (whole where it must be); `k >= 1`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the column (`parameter_sample[...]`), or the row and column of
    /// a bad value.
    pub(crate) fn check(&self, scenario: &Scenario) -> Result<()> {
        let (rows, columns) = self.values.dim();
        if columns != self.names.len() {
            return Err(ConfigError::new(
                "parameter_sample",
                format!("{columns} columns of values for {} names", self.names.len()),
                "one column of values per name",
            )
            .into());
        }
        if rows == 0 {
            return Err(ConfigError::new("parameter_sample", "no rows", "one row of values per draw").into());
        }
        if let SampleChance::Shared(0) = self.chance {
            return Err(ConfigError::new("sample_chance", 0, "a number of shared chance streams, 1 or more").into());
        }
        let index = ParameterIndex::of(scenario);
        for (j, name) in self.names.iter().enumerate() {
            let field = format!("parameter_sample[\"{name}\"]");
            if self.names[..j].contains(name) {
                return Err(ConfigError::new(field, "a second column", "each parameter in one column").into());
            }
            let (spec, _) =
                index.variable(name, name).map_err(|e| ConfigError::new(field.clone(), e.value, e.allowed))?;
            for (i, &v) in self.values.column(j).iter().enumerate() {
                let whole_ok = !spec.whole || v.fract() == 0.0;
                if !spec.range.contains(v) || !whole_ok {
                    let allowed =
                        if spec.allowed.is_empty() { spec.range.bounds().describe() } else { spec.allowed.into() };
                    let allowed = if spec.whole { format!("a whole number: {allowed}") } else { allowed };
                    return Err(
                        ConfigError::new(format!("parameter_sample row {i}, column \"{name}\""), v, allowed).into()
                    );
                }
            }
        }
        Ok(())
    }

    /// Check that the rows cover replications `range`.
    pub(crate) fn covers(&self, range: std::ops::Range<usize>) -> Result<()> {
        let rows = self.values.nrows();
        let last = range.end.saturating_sub(1);
        let (needed, how) = match self.chance {
            SampleChance::Own => (range.end, "one row per replication (replication r takes row r)".to_string()),
            SampleChance::Drawn => (1, "a row at least".to_string()),
            SampleChance::Shared(k) => (
                last / k.max(1) + 1,
                format!("replication r takes row r / {k}, so {range:?} needs rows up to {}", last / k.max(1)),
            ),
        };
        if rows < needed {
            return Err(CarecastError::RunOption {
                option: "parameter_sample",
                message: format!("got {rows} rows; replications {}..{} need {needed}: {how}", range.start, range.end),
            });
        }
        Ok(())
    }
}
