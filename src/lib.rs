//! # carecast
//!
//! Monte Carlo microsimulation of children's services demand: children and families moving from
//! no contact through early help, child in need and child protection (the edge of care) into
//! care and out of it, under early-intervention and locality-hub policies.
//!
//! The core is plain Rust and knows nothing of Python; the bindings live in `src/python/`
//! behind the `python` feature.
//!
//! ```
//! use carecast::{Model, RunOptions, Scenario, Silent};
//!
//! let scenario = Scenario::preset("wolverhampton-2015").unwrap();
//! let model = Model::new(&scenario).unwrap();
//! let results = model.run(&RunOptions::new(8, 2, 42), &Silent).unwrap();
//! let lac = results.mean("lac_stock").unwrap();
//! assert!(lac[0] > 600.0 && lac[0] < 1000.0);
//! ```

pub mod calendar;
pub mod engine;
pub mod error;
pub mod expected;
pub mod finance;
pub mod outputs;
pub mod rng;
pub mod scenario;
pub mod start;
pub mod vocab;

pub use calendar::YearMonth;
pub use engine::{CancelFlag, Model, ParameterSample, Progress, RunOptions, SampleChance, Silent, run};
pub use error::{CarecastError, ConfigError, Result};
pub use outputs::RunResults;
pub use scenario::{DEFAULT_PRESET, Scenario, preset_names};
pub use start::StartingPosition;

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[cfg(feature = "python")]
mod python;
