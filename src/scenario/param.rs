//! Uncertain parameters: a number, or a distribution drawn once per replication.

use crate::error::ConfigError;
use rand::Rng;
use rand_distr::{Beta, Distribution as _, Gamma, LogNormal, Normal, Triangular, Uniform};
use serde::{Deserialize, Deserializer, Serialize};

/// A distribution for an uncertain parameter, written as a table with a `dist` key, e.g.
/// `{ dist = "lognormal", median = 0.85, sigma = 0.1 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Distribution {
    /// Normal with `mean` and standard deviation `sd`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (>= 0).
        sd: f64,
    },
    /// Log-normal given by its `median` (> 0) and `sigma`, the standard deviation of its log.
    Lognormal {
        /// Median (= exp(mu)).
        median: f64,
        /// Standard deviation of the logarithm (>= 0).
        sigma: f64,
    },
    /// Beta with shape parameters `alpha` and `beta` (both > 0), on [0, 1].
    Beta {
        /// First shape parameter.
        alpha: f64,
        /// Second shape parameter.
        beta: f64,
    },
    /// Gamma with `shape` and `scale` (both > 0); mean = shape x scale.
    Gamma {
        /// Shape.
        shape: f64,
        /// Scale.
        scale: f64,
    },
    /// Uniform on [`low`, `high`].
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound (>= low).
        high: f64,
    },
    /// Triangular on [`min`, `max`] with peak at `mode`.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
}

/// A parameter that is either known (`0.85`) or uncertain (a [`Distribution`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// A fixed value.
    Fixed(f64),
    /// Drawn once per replication.
    Uncertain(Distribution),
}

impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Fixed(v)
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Number(n) => Ok(Param::Fixed(n.as_f64().unwrap_or(f64::NAN))),
            serde_json::Value::Object(_) => {
                Distribution::deserialize(value).map(Param::Uncertain).map_err(D::Error::custom)
            }
            other => Err(D::Error::custom(format!(
                "expected a number or a distribution such as {{ dist = \"normal\", mean = 0.8, sd = 0.05 }}, got {other}"
            ))),
        }
    }
}

/// The range a parameter's values must lie in.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
}

/// The largest multiplier or hazard ratio a scenario may give (1,000). The largest in the
/// presets is 9 (re-entry to care); 1,000 leaves room for any real effect while keeping every
/// product of rates and multipliers finite and every monthly draw bounded.
pub const MAX_MULTIPLIER: f64 = 1_000.0;
/// The largest annual rate a scenario may give (120 a year: 10 a month, an event within the month
/// with probability 0.99995). The largest in the presets is 1 a year.
pub const MAX_RATE: f64 = 120.0;
/// The largest combined monthly hazard of contact (100 a month): a contact rate times its need,
/// outreach and recently-closed multipliers. Checked on fixed values and on the central values of
/// distributions; a draw that takes it higher is capped at it (the contact is certain either way).
pub const MAX_MONTHLY_HAZARD: f64 = 100.0;
/// The largest unit cost, in pounds per unit (1e9): costs summed over a run stay finite.
pub const MAX_COST: f64 = 1e9;
/// The largest standard deviation of the logarithm of a log-normal parameter (5: a factor of
/// about 150 either way for one standard deviation).
pub const MAX_LOG_SIGMA: f64 = 5.0;

impl Bounds {
    /// Non-negative values with no upper bound of their own.
    pub const NON_NEGATIVE: Bounds = Bounds { min: 0.0, max: f64::INFINITY };
    /// Probabilities and shares.
    pub const PROBABILITY: Bounds = Bounds { min: 0.0, max: 1.0 };
    /// Multipliers and hazard ratios: 0 to [`MAX_MULTIPLIER`].
    pub const MULTIPLIER: Bounds = Bounds { min: 0.0, max: MAX_MULTIPLIER };
    /// Unit costs: 0 to [`MAX_COST`] pounds.
    pub const COST: Bounds = Bounds { min: 0.0, max: MAX_COST };

    /// What a value in these bounds is, in the words of range errors.
    pub(crate) fn describe(&self) -> String {
        if self.max.is_infinite() {
            format!("a finite number >= {}", self.min)
        } else {
            format!("a number from {} to {}", self.min, fmt_bound(self.max))
        }
    }
}

/// A bound written for people: `1,000`, `1e9`.
fn fmt_bound(v: f64) -> String {
    if v >= 1e6 {
        format!("{v:e}")
    } else if v >= 1_000.0 && v.fract() == 0.0 {
        let s = format!("{v:.0}");
        let (head, tail) = s.split_at(s.len() - 3);
        format!("{head},{tail}")
    } else {
        format!("{v}")
    }
}

impl Param {
    /// The central value: the fixed value, or the distribution's mean (median for log-normal).
    pub fn central(&self) -> f64 {
        match self {
            Param::Fixed(v) => *v,
            Param::Uncertain(d) => match *d {
                Distribution::Normal { mean, .. } => mean,
                Distribution::Lognormal { median, .. } => median,
                Distribution::Beta { alpha, beta } => alpha / (alpha + beta),
                Distribution::Gamma { shape, scale } => shape * scale,
                Distribution::Uniform { low, high } => 0.5 * (low + high),
                Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            },
        }
    }

    /// The mean: the fixed value, or the distribution's mean (for log-normal
    /// `median x exp(sigma^2 / 2)`; otherwise [`Param::central`]). Not clamped to a range.
    pub fn mean(&self) -> f64 {
        match self {
            Param::Uncertain(Distribution::Lognormal { median, sigma }) => median * (0.5 * sigma * sigma).exp(),
            other => other.central(),
        }
    }

    /// Whether the parameter is drawn per replication.
    pub fn is_uncertain(&self) -> bool {
        matches!(self, Param::Uncertain(_))
    }

    /// Check the value or the distribution's parameters and support against `bounds`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming `path` when the value is not finite, out of range, or the
    /// distribution's own parameters are invalid.
    pub fn validate(&self, path: &str, bounds: Bounds) -> Result<(), ConfigError> {
        let in_bounds = |v: f64| v.is_finite() && v >= bounds.min && v <= bounds.max;
        match self {
            Param::Fixed(v) => {
                if !in_bounds(*v) {
                    return Err(ConfigError::new(path, v, bounds.describe()));
                }
            }
            Param::Uncertain(d) => {
                let finite = |name: &str, v: f64| {
                    if v.is_finite() {
                        Ok(())
                    } else {
                        Err(ConfigError::new(format!("{path}.{name}"), v, "a finite number"))
                    }
                };
                let positive = |name: &str, v: f64| {
                    if v.is_finite() && v > 0.0 {
                        Ok(())
                    } else {
                        Err(ConfigError::new(format!("{path}.{name}"), v, "a finite number > 0"))
                    }
                };
                let non_negative = |name: &str, v: f64| {
                    if v.is_finite() && v >= 0.0 {
                        Ok(())
                    } else {
                        Err(ConfigError::new(format!("{path}.{name}"), v, "a finite number >= 0"))
                    }
                };
                let within = |name: &str, v: f64| {
                    if in_bounds(v) {
                        Ok(())
                    } else {
                        Err(ConfigError::new(format!("{path}.{name}"), v, bounds.describe()))
                    }
                };
                match *d {
                    Distribution::Normal { mean, sd } => {
                        within("mean", mean)?;
                        non_negative("sd", sd)?;
                    }
                    Distribution::Lognormal { median, sigma } => {
                        positive("median", median)?;
                        within("median", median)?;
                        non_negative("sigma", sigma)?;
                        if sigma > MAX_LOG_SIGMA {
                            return Err(ConfigError::new(
                                format!("{path}.sigma"),
                                sigma,
                                format!("a number from 0 to {MAX_LOG_SIGMA} (the spread of the logarithm)"),
                            ));
                        }
                    }
                    Distribution::Beta { alpha, beta } => {
                        positive("alpha", alpha)?;
                        positive("beta", beta)?;
                        if bounds.min > 0.0 || bounds.max < 1.0 {
                            return Err(ConfigError::new(
                                format!("{path}.dist"),
                                "\"beta\"",
                                format!("a distribution whose values lie in {}", bounds.describe()),
                            ));
                        }
                    }
                    Distribution::Gamma { shape, scale } => {
                        positive("shape", shape)?;
                        positive("scale", scale)?;
                        within("mean (shape x scale)", shape * scale)?;
                    }
                    Distribution::Uniform { low, high } => {
                        finite("low", low)?;
                        within("low", low)?;
                        within("high", high)?;
                        if high < low {
                            return Err(ConfigError::new(format!("{path}.high"), high, format!(">= low ({low})")));
                        }
                    }
                    Distribution::Triangular { min, mode, max } => {
                        within("min", min)?;
                        within("max", max)?;
                        if !(min <= mode && mode <= max && mode.is_finite()) {
                            return Err(ConfigError::new(
                                format!("{path}.mode"),
                                mode,
                                format!("a number between min ({min}) and max ({max})"),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Draw a value (the fixed value itself, or one draw from the distribution), clamped to
    /// `bounds` so that an unbounded distribution cannot produce, say, a negative rate or a
    /// multiplier above [`MAX_MULTIPLIER`].
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, bounds: Bounds) -> f64 {
        let v = match self {
            Param::Fixed(v) => *v,
            Param::Uncertain(d) => match *d {
                Distribution::Normal { mean, sd } => Normal::new(mean, sd).map(|n| n.sample(rng)).unwrap_or(mean),
                Distribution::Lognormal { median, sigma } => {
                    LogNormal::new(median.ln(), sigma).map(|n| n.sample(rng)).unwrap_or(median)
                }
                Distribution::Beta { alpha, beta } => {
                    Beta::new(alpha, beta).map(|b| b.sample(rng)).unwrap_or(alpha / (alpha + beta))
                }
                Distribution::Gamma { shape, scale } => {
                    Gamma::new(shape, scale).map(|g| g.sample(rng)).unwrap_or(shape * scale)
                }
                Distribution::Uniform { low, high } => {
                    if high > low {
                        Uniform::new_inclusive(low, high).map(|u| u.sample(rng)).unwrap_or(low)
                    } else {
                        low
                    }
                }
                Distribution::Triangular { min, mode, max } => {
                    if max > min {
                        Triangular::new(min, max, mode).map(|t| t.sample(rng)).unwrap_or(mode)
                    } else {
                        mode
                    }
                }
            },
        };
        // A draw that is not a number (a degenerate distribution) falls back to the central value.
        let v = if v.is_nan() { self.central() } else { v };
        if v.is_nan() { bounds.min } else { v.clamp(bounds.min, bounds.max) }
    }
}
