//! Uncertainty on any parameter: the scenario's `[[uncertainty.parameters]]` and
//! `[[uncertainty.correlations]]`, checked, and drawn once per replication through a Gaussian
//! copula.
//!
//! Each parameter of the table has a stream of its own, keyed by the run's seed, the replication
//! and the FNV-1a hash of its path's text (so renaming a path, or moving a change to another
//! index, changes its draws). A replication draws one standard normal score from each stream,
//! correlates the scores by the Cholesky factor of the normal-score correlation matrix, and turns
//! each score into a value by its distribution's quantile function; the value is clamped to the
//! parameter's range and rounded for whole numbers.

use super::param::{Distribution, Param};
use super::registry::{ParameterIndex, Range};
use super::{Scenario, Uncertainty};
use crate::error::{ConfigError, Result};
use crate::rng::{self, Purpose};
use rand_distr::Distribution as _;

/// The central value of `d` as [`Param::central`] gives it, rounded for a whole-number
/// parameter (what [`Scenario::parameters`] shows and `finance.central` fixes).
pub(crate) fn central(d: &Distribution, whole: bool) -> f64 {
    let c = Param::Uncertain(d.clone()).central();
    if whole { c.round() } else { c }
}

/// The Pearson correlation of the normal scores that gives the rank (Spearman) correlation
/// `rho` between two variables of a Gaussian copula: `2 sin(pi rho / 6)`.
pub fn normal_score_correlation(rho: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho / 6.0).sin()
}

/// One parameter of the table, ready to draw.
#[derive(Debug, Clone)]
struct Entry {
    path: String,
    distribution: Distribution,
    range: Range,
    whole: bool,
    key: u64,
}

/// The uncertainty table of a scenario, checked and ready to draw.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    entries: Vec<Entry>,
    /// The lower-triangular Cholesky factor of the normal scores' correlation matrix, row by
    /// row; `None` when nothing is correlated.
    cholesky: Option<Vec<Vec<f64>>>,
}

impl Compiled {
    /// Check the table of `scenario` against its parameters, and make it ready to draw.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the entry's field: a path that is not a parameter (with the
    /// closest), one the run cannot vary, one already a distribution where it is written, one
    /// listed twice; a distribution whose values do not fit the parameter's range; a
    /// correlation of a parameter that is not uncertain (in the table or written as a
    /// distribution), of a parameter with itself, given twice, with `|rho| >= 1`; correlations
    /// that cannot hold together (not positive definite).
    pub(crate) fn new(scenario: &Scenario) -> std::result::Result<Compiled, ConfigError> {
        let table: &Uncertainty = &scenario.uncertainty;
        let index = ParameterIndex::of(scenario);
        let mut entries: Vec<Entry> = Vec::with_capacity(table.parameters.len());
        for (i, u) in table.parameters.iter().enumerate() {
            let field = format!("uncertainty.parameters[{i}]");
            let (spec, written) = index.variable(&u.path, &format!("{field}.path"))?;
            if written.is_uncertain() {
                return Err(ConfigError::new(
                    format!("{field}.path"),
                    format!("\"{}\"", u.path),
                    "a parameter written as a number: this one is already a distribution where it is written (give \
                     its distribution in one place)",
                ));
            }
            if entries.iter().any(|e| e.path == u.path) {
                return Err(ConfigError::new(
                    format!("{field}.path"),
                    format!("\"{}\"", u.path),
                    "a path not listed before in uncertainty.parameters (each parameter once)",
                ));
            }
            Param::Uncertain(u.distribution.clone()).validate(&format!("{field}.distribution"), spec.range.bounds())?;
            entries.push(Entry {
                path: u.path.clone(),
                distribution: u.distribution.clone(),
                range: spec.range,
                whole: spec.whole,
                key: rng::hash_str(&u.path),
            });
        }
        // A distribution written in place (a policy effect) that is correlated is drawn here
        // too, through the copula, after the table's parameters.
        let mut pairs: Vec<[usize; 2]> = Vec::with_capacity(table.correlations.len());
        for (j, c) in table.correlations.iter().enumerate() {
            let field = format!("uncertainty.correlations[{j}]");
            let mut at = [0; 2];
            for (k, path) in c.parameters.iter().enumerate() {
                let position = entries.iter().position(|e| e.path == *path);
                at[k] = match position {
                    Some(i) => i,
                    None => {
                        let not_uncertain = || {
                            ConfigError::new(
                                format!("{field}.parameters[{k}]"),
                                format!("\"{path}\""),
                                "the path of an uncertain parameter: one of uncertainty.parameters, or a distribution \
                                 written in place (a policy effect)",
                            )
                        };
                        let (spec, written) = index.variable(path, &format!("{field}.parameters[{k}]"))?;
                        let Param::Uncertain(distribution) = written else { return Err(not_uncertain()) };
                        entries.push(Entry {
                            path: path.clone(),
                            distribution: distribution.clone(),
                            range: spec.range,
                            whole: spec.whole,
                            key: rng::hash_str(path),
                        });
                        entries.len() - 1
                    }
                };
            }
            if at[0] == at[1] {
                return Err(ConfigError::new(
                    format!("{field}.parameters"),
                    format!("\"{}\" twice", c.parameters[0]),
                    "two different parameters",
                ));
            }
            if !(c.rho.is_finite() && c.rho.abs() < 1.0) {
                return Err(ConfigError::new(format!("{field}.rho"), c.rho, "a rank correlation above -1 and below 1"));
            }
            if pairs.iter().any(|p| *p == at || *p == [at[1], at[0]]) {
                return Err(ConfigError::new(
                    format!("{field}.parameters"),
                    format!("\"{}\" and \"{}\"", c.parameters[0], c.parameters[1]),
                    "a pair not correlated before in uncertainty.correlations (each pair once)",
                ));
            }
            pairs.push(at);
        }
        let n = entries.len();
        let mut matrix = vec![vec![0.0; n]; n];
        for (i, row) in matrix.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for (c, at) in table.correlations.iter().zip(&pairs) {
            let r = normal_score_correlation(c.rho);
            matrix[at[0]][at[1]] = r;
            matrix[at[1]][at[0]] = r;
        }
        let cholesky = if table.correlations.is_empty() {
            None
        } else {
            Some(cholesky(&matrix).ok_or_else(|| {
                ConfigError::new(
                    "uncertainty.correlations",
                    format!("{} correlations that cannot hold together", table.correlations.len()),
                    "correlations whose matrix (of the normal scores, 2 sin(pi rho / 6)) is positive definite: \
                     for three parameters, two strong positive correlations force the third to be positive too",
                )
            })?)
        };
        Ok(Compiled { entries, cholesky })
    }

    /// The paths of the table's parameters, in its order.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.path.as_str())
    }

    /// The values of the table's parameters (in its order) for replication `replication` of a
    /// run seeded `seed`.
    pub(crate) fn draw(&self, seed: u64, replication: u64) -> Vec<f64> {
        let scores: Vec<f64> = self
            .entries
            .iter()
            .map(|e| {
                let mut stream = rng::stream(seed, replication, Purpose::Uncertainty, e.key, 0);
                rand_distr::StandardNormal.sample(&mut stream)
            })
            .collect();
        let correlated: Vec<f64> = match &self.cholesky {
            None => scores,
            Some(l) => l.iter().map(|row| row.iter().zip(&scores).map(|(a, z)| a * z).sum()).collect(),
        };
        self.entries.iter().zip(correlated).map(|(e, z)| e.value(z)).collect()
    }
}

impl Entry {
    /// The value of normal score `z`: the distribution's quantile at `Phi(z)`, inside the range.
    fn value(&self, z: f64) -> f64 {
        let v = quantile(&self.distribution, z);
        let v = if v.is_finite() { v } else { Param::Uncertain(self.distribution.clone()).central() };
        inside(self.range, if self.whole { v.round() } else { v })
    }
}

/// `v` clamped to `range`, kept off an open end.
fn inside(range: Range, v: f64) -> f64 {
    let v = v.clamp(range.min, range.max);
    if range.contains(v) {
        return v;
    }
    // At an open end: a step inside (ranges with an open end are wide: 0 to 1,000 or more).
    let step = 1e-9 * (range.max - range.min).abs().min(1.0);
    if v <= range.min { range.min + step } else { range.max - step }
}

/// The value of distribution `d` whose cumulative probability is that of the standard normal
/// score `z`. Normal and log-normal values come from `z` directly; the others from their inverse
/// cumulative distribution functions at `Phi(z)`. `statrs` gives those of the beta and gamma
/// distributions (and `Phi`): `rand_distr`, used for every other draw, only samples, and a
/// copula needs quantiles.
pub fn quantile(d: &Distribution, z: f64) -> f64 {
    use statrs::distribution::ContinuousCDF;
    let phi = || statrs::distribution::Normal::standard().cdf(z).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
    match *d {
        Distribution::Normal { mean, sd } => mean + sd * z,
        Distribution::Lognormal { median, sigma } => median * (sigma * z).exp(),
        Distribution::Beta { alpha, beta } => {
            statrs::distribution::Beta::new(alpha, beta).map_or(alpha / (alpha + beta), |b| b.inverse_cdf(phi()))
        }
        Distribution::Gamma { shape, scale } => {
            statrs::distribution::Gamma::new(shape, 1.0 / scale).map_or(shape * scale, |g| g.inverse_cdf(phi()))
        }
        Distribution::Uniform { low, high } => low + (high - low) * phi(),
        Distribution::Triangular { min, mode, max } => {
            let u = phi();
            let width = max - min;
            if width <= 0.0 {
                mode
            } else if u < (mode - min) / width {
                min + (u * width * (mode - min)).sqrt()
            } else {
                max - ((1.0 - u) * width * (max - mode)).sqrt()
            }
        }
    }
}

/// The lower-triangular Cholesky factor of the symmetric matrix `a`, or `None` if `a` is not
/// positive definite (a pivot below 1e-10).
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let pivot = a[i][i] - s;
                if pivot.is_nan() || pivot <= 1e-10 {
                    return None;
                }
                l[i][j] = pivot.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

impl Scenario {
    /// The values the uncertainty table (`[[uncertainty.parameters]]`) draws for replication
    /// `replication` of a run seeded `seed`, as `(path, value)` pairs in the table's order, then
    /// those of the distributions written in place that `[[uncertainty.correlations]]`
    /// correlates, in the order they are first named there (empty without a table). A run draws the same: `with_parameters` of these (and of the
    /// draws of the other uncertain parameters) reproduces the replication.
    ///
    /// # Errors
    /// As [`Scenario::validate`] for the table.
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::default_preset()
    ///     .updated(serde_json::json!({"uncertainty": {"parameters": [{
    ///         "path": "hazards.not_known.referral.age_5_9",
    ///         "distribution": {"dist": "lognormal", "median": 0.026, "sigma": 0.2}}]}}))
    ///     .unwrap();
    /// let draws = s.uncertainty_draws(42, 0).unwrap();
    /// assert_eq!(draws[0].0, "hazards.not_known.referral.age_5_9");
    /// assert!(draws[0].1 > 0.0);
    /// ```
    pub fn uncertainty_draws(&self, seed: u64, replication: u64) -> Result<Vec<(String, f64)>> {
        if self.uncertainty.is_empty() {
            return Ok(Vec::new());
        }
        let compiled = Compiled::new(self)?;
        Ok(compiled.paths().map(str::to_string).zip(compiled.draw(seed, replication)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_refuses_what_is_not_positive_definite() {
        let ok = vec![vec![1.0, 0.5], vec![0.5, 1.0]];
        let l = cholesky(&ok).unwrap();
        assert!((l[1][0] - 0.5).abs() < 1e-15 && (l[1][1] - 0.75f64.sqrt()).abs() < 1e-15);
        let bad = vec![vec![1.0, 0.9, 0.9], vec![0.9, 1.0, -0.9], vec![0.9, -0.9, 1.0]];
        assert!(cholesky(&bad).is_none());
    }

    #[test]
    fn quantiles_at_the_median_score() {
        let at0 = |d: Distribution| quantile(&d, 0.0);
        assert_eq!(at0(Distribution::Lognormal { median: 0.026, sigma: 0.2 }), 0.026);
        assert_eq!(at0(Distribution::Normal { mean: 1.5, sd: 0.3 }), 1.5);
        assert!((at0(Distribution::Uniform { low: 2.0, high: 4.0 }) - 3.0).abs() < 1e-12);
        assert!((at0(Distribution::Beta { alpha: 2.0, beta: 2.0 }) - 0.5).abs() < 1e-8);
        // The median of a symmetric triangular distribution is its mode.
        assert!((at0(Distribution::Triangular { min: 0.0, mode: 1.0, max: 2.0 }) - 1.0).abs() < 1e-12);
        // Gamma(1, scale 2) is exponential with mean 2: median 2 ln 2.
        assert!((at0(Distribution::Gamma { shape: 1.0, scale: 2.0 }) - 2.0 * 2f64.ln()).abs() < 1e-8);
    }
}
