"""What a reader sees: one table of display names for measures and columns, and one colour per
cost line, shared by the Excel workbook, the HTML reports and the charts, so that a line reads
and looks the same wherever it appears.

>>> from carecast.labels import display, colour
>>> display("net_savings"), display("p5")
('net savings', '5th percentile')
>>> colour("placements") == colour("placements avoided"), colour("early help") == colour("reinvestment: early help")
(True, True)
"""

from __future__ import annotations

from .finance import LINE_LABELS, ONE_OFF_LINES, SPEND_LABELS

#: Plain-language names of the measures and columns of carecast's tables (anything not listed
#: is shown with its underscores as spaces).
DISPLAY_NAMES: dict[str, str] = {
    "gross_savings": "gross savings",
    "new_spending": "reinvestment and one-offs",
    "net_savings": "net savings",
    "cumulative_net_savings": "cumulative net savings",
    "children_in_care_avoided": "children in care avoided",
    "care_months_avoided": "care-months avoided",
    "npv": "net present value",
    "roi": "return on investment",
    "probability_paid_back": "probability of having paid back",
    "probability_net_savings_positive": "probability that net savings are above zero",
    "median_payback_month": "median payback month",
    "by_end_of": "by the end of",
    "financial_year": "financial year",
    "line": "budget line",
    "category": "cost category",
    "mean": "mean",
    "p5": "5th percentile",
    "p50": "median",
    "p95": "95th percentile",
    "mcse": "Monte Carlo standard error",
    "share_entries_not_previously_known": "entrants to care not previously known",
    "share_entries_aged_5_plus": "entrants to care aged 5 or over",
    "share_entries_abuse_neglect": "entrants to care for abuse or neglect",
    "share_cp_plans_second_or_later": "child protection plans that are a second or later plan",
    "lac_stock": "children looked after",
    "lac_entries": "children entering care",
    "lac_exits": "children leaving care",
    "lac_rate_per_10k": "children looked after per 10,000",
}


def display(name: str) -> str:
    """The plain-language name of a measure or column (``net_savings`` -> ``net savings``)."""
    return DISPLAY_NAMES.get(name, name.replace("_", " "))


#: One colour per budget line (Okabe-Ito, safe for colour-blind readers), the one-offs sharing
#: one, and grey for "other"; the totals of a savings chart have their own (Tol's indigo and
#: wine, near-black).
LINE_COLOURS: dict[str, str] = {
    "placements": "#0072B2",
    "other_statutory_activity": "#56B4E9",
    "estate": "#009E73",
    "early_help": "#E69F00",
    "intensive_support": "#D55E00",
    "hubs_and_teams": "#CC79A7",
    "one_offs": "#F0E442",
    "other": "#999999",
    # The totals, in colours no line has.
    "gross_savings": "#332288",
    "new_spending": "#882255",
    "net_savings": "#222222",
}
#: Names of the groups of a cost breakdown: the budget lines as spend, the one-offs together.
GROUP_NAMES: dict[str, str] = {
    **{line: label for line, label in SPEND_LABELS.items() if line not in ONE_OFF_LINES},
    "one_offs": "one-offs",
    "other": "other",
}


def line_key(name: str) -> str:
    """The budget line a name (the core's, a saving's or a spend's label) stands for, the four
    one-offs as ``one_offs``; the name itself when it is none of these."""
    for line in LINE_LABELS:
        if name in (line, LINE_LABELS[line], SPEND_LABELS[line]):
            return "one_offs" if line in ONE_OFF_LINES else line
    for key, label in GROUP_NAMES.items():
        if name == label:
            return key
    return name.replace(" ", "_")


def colour(name: str) -> str:
    """The colour of a budget line (any of its names) or a savings total, the same in every
    chart and report; grey for anything else (:func:`has_colour` tells which)."""
    return LINE_COLOURS.get(line_key(name), LINE_COLOURS["other"])


def has_colour(name: str) -> bool:
    """Whether ``name`` is a budget line (any of its names), "other" or a savings total, with a
    colour of its own."""
    return line_key(name) in LINE_COLOURS

#: The two ends of a one-way sensitivity (:func:`carecast.plots.tornado`): the output with a
#: parameter at its low value and at its high value, in colours no budget line has (Tol's
#: bright blue and red).
SENSITIVITY_COLOURS: dict[str, str] = {"low": "#4477AA", "high": "#EE6677"}
