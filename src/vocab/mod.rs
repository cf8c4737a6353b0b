//! The vocabulary of the model, declared once: states, placement types, age bands, need, legal
//! status and the moves between states, each with its labels and its index. Everything else
//! (the engine's tables, outputs, costs, the Python constants) is sized and labelled from here,
//! so adding a placement type or a move is a change in one place. See `docs/model.md` for what
//! each means.

mod age;
mod legal;
mod moves;
mod need;
mod placement;
mod state;

pub use age::{AGES, AgeBand, FIVE_YEARS, MONTHS_TO_18, TEN_YEARS};
pub use legal::LegalStatus;
pub use moves::Move;
pub use need::{NeedKind, NeedLevel};
pub use placement::{Placement, placement_led};
pub use state::State;

/// The number of identifiers given.
macro_rules! count {
    () => { 0usize };
    ($head:ident $($tail:ident)*) => { 1usize + $crate::vocab::count!($($tail)*) };
}

/// An enumeration of the model with its labels: `ALL`, `COUNT`, `LABELS`, `index()`,
/// `label()` and `Display`, from one list of `Variant => "label"`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// How many there are.
            pub const COUNT: usize = $crate::vocab::count!($($variant)+);
            /// Every one, in output order.
            pub const ALL: [$name; $name::COUNT] = [$($name::$variant),+];
            /// Labels used in outputs, in the order of `ALL`.
            pub const LABELS: [&'static str; $name::COUNT] = [$($label),+];

            /// Position in `ALL` (and in every table sized by `COUNT`).
            #[inline]
            pub const fn index(self) -> usize {
                self as usize
            }

            /// The label used in outputs.
            #[inline]
            pub const fn label(self) -> &'static str {
                Self::LABELS[self as usize]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

pub(crate) use {count, vocabulary};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_labels_and_all_agree() {
        for (i, p) in Placement::ALL.iter().enumerate() {
            assert_eq!(p.index(), i);
            assert_eq!(p.label(), Placement::LABELS[i]);
        }
        assert_eq!(Move::ALL.len(), Move::COUNT);
        assert_eq!(Move::PlacementMove.to_string(), "placement_move");
        assert_eq!(State::LookedAfter.label(), "looked_after");
    }

    #[test]
    fn age_bands_from_their_boundaries() {
        for years in 0..18u32 {
            let band = AgeBand::of_age(years);
            let start = AgeBand::START_MONTHS[band.index()];
            assert!(start <= years as i32 * 12 && (years as i32 * 12) < band.end_month());
        }
        assert_eq!(AgeBand::of_months(59), AgeBand::Age1To4);
        assert_eq!(AgeBand::of_months(FIVE_YEARS), AgeBand::Age5To9);
        assert_eq!(AgeBand::Age16To17.end_month(), MONTHS_TO_18);
        assert!(AgeBand::Age5To9.five_plus() && !AgeBand::Age1To4.five_plus());
    }
}
