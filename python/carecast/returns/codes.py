"""The SSDA903 code lists carecast reads, and how each maps onto the model's vocabulary.

Codes change between collection years (a collection year is named by the 31 March it ends on:
2024 is April 2023 to March 2024), so every map here takes the year. A code that is not in the
table for its year is not an error: it is mapped to a stated fallback and reported in the load
report, so a return from a year newer than carecast still loads. See
docs/returns.md for the sources of these lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _core

#: The model's placement types, from its one vocabulary (``Placement`` in ``src/vocab/``).
PLACEMENTS: tuple[str, ...] = tuple(_core.PLACEMENTS)

#: Legal statuses carried by a child in care (``LegalStatus`` in ``src/vocab/``, which maps the
#: ``LS`` codes the same way).
LEGAL_STATUSES: tuple[str, ...] = tuple(_core.LEGAL_STATUSES)

#: Groups of the reasons an episode ceased (``REC``) that end a period of care.
EXIT_GROUPS = ("home", "adoption", "special_guardianship", "independent_living", "other")

# PLACE codes, with the collection years (inclusive) in which carecast knows their meaning.
_FIRST, _LAST = 2000, 9999
_PLACE: dict[str, tuple[str, int, int]] = {
    # placed for adoption
    **{code: ("other", _FIRST, _LAST) for code in ("A3", "A4", "A5", "A6")},
    "H5": ("other", _FIRST, 2024),  # semi-independent living; gone from the 2025 return
    "K1": ("residential", _FIRST, _LAST),  # secure unit
    "K2": ("residential", _FIRST, _LAST),  # children's home
    "P1": ("with_parents", _FIRST, _LAST),
    "P2": ("other", _FIRST, 2024),  # independent living; gone from the 2025 return
    "P3": ("other", _FIRST, _LAST),  # residential employment
    "R1": ("residential", _FIRST, _LAST),  # residential care home
    "R2": ("other", _FIRST, _LAST),  # NHS or health trust
    "R3": ("other", _FIRST, _LAST),  # family centre or mother and baby unit
    "R5": ("other", _FIRST, _LAST),  # young offender institution
    "S1": ("residential", _FIRST, _LAST),  # residential schools
    **{f"T{i}": ("other", _FIRST, _LAST) for i in range(5)},  # temporary placements
    **{f"U{i}": ("kinship", _FIRST, _LAST) for i in (1, 2, 3)},  # foster with relative or friend
    **{f"U{i}": ("foster", _FIRST, _LAST) for i in (4, 5, 6)},  # other foster carers: by provider
    "Z1": ("other", _FIRST, _LAST),
}

# PLACE_PROVIDER: who provides a foster placement decides in-house against agency fostering.
_IN_HOUSE_PROVIDERS = {"PR1", "PR2", "PR3"}  # own authority, other authority, other public
_AGENCY_PROVIDERS = {"PR4", "PR5"}  # private, voluntary
PROVIDERS = {"PR0", *_IN_HOUSE_PROVIDERS, *_AGENCY_PROVIDERS}

_LEGAL_STATUS = {
    "C1": "interim_care_order",
    "C2": "care_order",
    "D1": "placement_order",  # freeing order
    "E1": "placement_order",
    "V2": "section_20",
    "L1": "other",  # police protection
    "L2": "other",  # emergency protection order
    "L3": "other",  # child assessment order
    "J1": "other",  # remanded or detained
    "J2": "other",
    "J3": "other",
}
#: Short breaks: a child looked after only for planned short breaks is not counted in care.
SHORT_BREAKS = {"V3", "V4"}

_EXIT = {
    "E4A": "home",
    "E4B": "home",
    "E13": "home",
    "E11": "adoption",
    "E12": "adoption",
    "E41": "special_guardianship",  # residence or child arrangements order
    **{code: "special_guardianship" for code in ("E43", "E44", "E45", "E46", "E47", "E48")},
    "E5": "independent_living",
    "E6": "independent_living",
    "E17": "independent_living",  # Staying Put with former foster carers, at 18
    **{code: "other" for code in ("E2", "E3", "E7", "E8", "E9", "E14", "E15", "E16")},
}
#: The episode ended and another began, care continuing.
CONTINUES = "X1"

#: Reasons for a new episode: S starts a period of care; the others continue one.
NEW_EPISODE_REASONS = {"S", "L", "P", "T", "B", "U"}
#: Category of need codes; N1 is abuse or neglect.
NEED_CODES = {f"N{i}" for i in range(1, 9)}
ABUSE_OR_NEGLECT = "N1"


@dataclass(frozen=True)
class Mapped:
    """A code mapped onto the model: ``value``, and ``note`` when the map had to fall back."""

    value: str
    note: str | None = None


def placement(place: str, provider: str, year: int) -> Mapped:
    """The model's placement type of an episode from ``PLACE`` and ``PLACE_PROVIDER``.

    Foster placements with other carers (U4-U6) are in-house when the provider is a public body
    (PR1-PR3) and agency (``ifa``) when private or voluntary (PR4, PR5). A code carecast does not
    know for ``year`` maps to ``other`` with a note; a foster placement with no provider is taken
    as in-house, with a note.
    """
    if not place:
        return Mapped("other", "PLACE is blank; counted as other")
    known = _PLACE.get(place)
    if known is None or not (known[1] <= year <= known[2]):
        when = "" if known is None else f" (carecast knows it only in {known[1]}-{min(known[2], 9999)} returns)"
        return Mapped("other", f"PLACE code {place!r} is not in carecast's table for {year}{when}; counted as other")
    value = known[0]
    if value != "foster":
        return Mapped(value)
    if provider in _AGENCY_PROVIDERS:
        return Mapped("ifa")
    if provider in _IN_HOUSE_PROVIDERS:
        return Mapped("in_house_foster")
    return Mapped("in_house_foster", f"foster placement {place} with PLACE_PROVIDER {provider!r}; taken as in-house")


def legal_status(code: str) -> Mapped:
    """The model's legal status of an ``LS`` code (an unknown code maps to ``other``, noted)."""
    value = _LEGAL_STATUS.get(code)
    if not code:
        return Mapped("other", "LS is blank; counted as other")
    if value is None:
        return Mapped("other", f"LS code {code!r} is not known to carecast; counted as other")
    return Mapped(value)


def exit_group(rec: str) -> Mapped:
    """The exit group of a ``REC`` code that ends a period of care (unknown codes: ``other``, noted)."""
    value = _EXIT.get(rec)
    if value is None:
        return Mapped("other", f"REC code {rec!r} is not known to carecast; counted as other")
    return Mapped(value)


def known_rec(rec: str) -> bool:
    """Whether ``rec`` is a reason an episode ceased that carecast knows."""
    return rec == CONTINUES or rec in _EXIT


def known_place(place: str) -> bool:
    """Whether ``place`` is a placement code carecast knows in some year."""
    return place in _PLACE
