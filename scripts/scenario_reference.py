"""Write docs/scenario.md from the field documentation in src/scenario/schema.rs and, for the
starting position, src/start/mod.rs.

Run: python3 scripts/scenario_reference.py            (rewrites docs/scenario.md)
     python3 scripts/scenario_reference.py --check    (exit 1 if docs/scenario.md is stale)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "src" / "scenario" / "schema.rs"
START = ROOT / "src" / "start" / "mod.rs"
OUT = ROOT / "docs" / "scenario.md"

# Where each struct sits in a scenario file.
PLACES = {
    "Scenario": "top level",
    "PolicyChange": "[[changes]]",
    "ByBand": "any by-age-band table",
    "ByNeed": "any by-need table",
    "Population": "[population]",
    "Locality": "[[population.localities]]",
    "InitialCaseload": "[population.initial]",
    "DemandTrend": "[population.demand_trend]",
    "ContactRates": "[hazards.not_known], [hazards.previously_known]",
    "Hazards": "[hazards]",
    "AssessmentOutcomes": "[hazards.assessment]",
    "EarlyHelpRates": "[hazards.early_help]",
    "SocialCareRates": "[hazards.child_in_need], [hazards.child_protection]",
    "CareRates": "[hazards.looked_after]",
    "ByDuration": "hazards.looked_after.return_home",
    "ExitRates": "hazards.looked_after.exits",
    "ExitsByBand": "hazards.looked_after.exits.home, .adoption, ...",
    "ParamByDuration": "hazards.looked_after.exits.home.age_0, ...",
    "ParamByBand": "hazards.care_entry_scale",
    "ReturnTo": "hazards.looked_after.return_to",
    "Policy": "[policy]",
    "EarlyHelpPolicy": "[policy.early_help]",
    "OutreachPolicy": "[policy.outreach]",
    "IntensiveSupportPolicy": "[policy.intensive_support]",
    "PlacementPolicy": "[policy.placements]",
    "Staff": "policy.early_help.staff, policy.intensive_support.staff",
    "PlacementMix": "policy.placements.mix_under_10, mix_10_plus",
    "CareTarget": "policy.placements.reunification_target, step_down_target, special_guardianship_target",
    "PostCosts": "[costs.posts]",
    "SocialWorkPosts": "[costs.posts.social_work]",
    "Uncertainty": "[uncertainty]",
    "UncertainParameter": "[[uncertainty.parameters]]",
    "Correlation": "[[uncertainty.correlations]]",
    "Sample": "[uncertainty.sample]",
    "StartingPosition": "[starting_position]",
    "ChildInCare": "[[starting_position.children_in_care]]",
    "FamilyAtHome": "[[starting_position.families_at_home]]",
    "ReturnedHome": "an entry of a family at home's returned_home list",
}

HEADER = """# Scenario file reference

Generated from the field documentation in `src/scenario/schema.rs` and `src/start/mod.rs` by
`scripts/scenario_reference.py`; do not edit by hand. The embedded presets in `scenarios/` show
every field in use, with sources.

Conventions: rates are **per year** (the engine converts them to monthly hazards); probabilities
and shares are in [0, 1]; shares that make up a whole must sum to 1 (within 1e-6); durations are in
**months**; capacities are whole numbers of **families**; months are written `"YYYY-MM"`.
Unknown fields are errors. Every value is checked when a scenario is read, and an error names the
field path, the value and what is allowed, e.g.
`hazards.sibling_group_entry: got 1.2; allowed: a probability in [0, 1]`.

A file may start from a preset with `base = "wolverhampton-2015"`, or from another scenario file
with `base = "our-council.toml"` (a path relative to the file that names it; bases may chain, and
a cycle is an error), and give only what differs; tables are merged key by key, anything else,
lists included, replaces. Policy changes over time are `[[changes]]` entries, each with a month
`from` and a partial policy `set` merged over the policy in force before it; they must be in
calendar order. A file's `[[changes]]` replace its base's; from Python,
`Scenario.with_change(from_, set, note)` adds one and keeps the others.

Fields marked *Param* take a number or a distribution drawn once per replication:
`{ dist = "normal", mean, sd }`, `{ dist = "lognormal", median, sigma }` (sigma of the log),
`{ dist = "beta", alpha, beta }`, `{ dist = "gamma", shape, scale }`,
`{ dist = "uniform", low, high }`, `{ dist = "triangular", min, mode, max }`. Draws outside the
field's allowed range are clamped to it. Each is drawn from a stream keyed by the field's entry
in the parameter registry, so two scenarios that share a distribution share its draw (common
random numbers); [parameters.md](parameters.md) lists, reads and sets parameters by path and
records each replication's draws.

Limits, so that every accepted scenario runs to the end in bounded time and with finite costs:
the largest **multiplier** or hazard ratio is **1,000** (the presets' largest is 9); the largest
**rate** is **120 a year**; the largest **combined monthly hazard** of contact (a contact rate
times its need, outreach and recently-closed multipliers) is **100 a month**, checked on fixed
values and the central values of distributions, and a draw above it is capped (contact that
month is certain either way); the largest **unit cost** is **£1e9**; a log-normal's `sigma` is
at most **5**; month fields are **0 to 1,200**. A distribution's parameters must lie within its
field's range, and its draws are clamped to it. A scenario file or text may be at most **10 MB**.

Enumerations: `distribution` is `"even"`, `"by_population"` or `"by_need"`; `allocation` is
`"first_come"`, `"by_need"` or `"over_fives_share"`. In a starting position, `placement` is
`"in_house_foster"`, `"ifa"`, `"kinship"`, `"residential"`, `"with_parents"` or `"other"`;
`legal_status` is `"interim_care_order"`, `"care_order"`, `"placement_order"`, `"section_20"` or
`"other"`; `case` is `"closed"`, `"waiting"`, `"early_help"`, `"child_in_need"` or
`"child_protection"`; `need` is `"low"`, `"moderate"` or `"high"`; `need_kind` is
`"abuse_neglect"` or `"other"`. Fields marked *optional* may be left out: the engine fills them
by the rule given (docs/model.md, "The starting position").

A `[[reported]]` figure is `measure = "children_in_care"` with `month` (`"YYYY-MM"`, at whose end
it was counted), `value` (children) and `source`, or `measure = "savings"` with
`financial_year` (`"2016/17"`), `value` (pounds of that year, as the authority defined them) and
`source`. The model does not use them; charts mark them (docs/finance.md).
"""


def parse(text):
    structs = []
    doc = []
    current = None
    skipped = False  # the field below `#[serde(skip)]` is not read from files
    for line in text.splitlines():
        s = line.strip()
        if s == "#[serde(skip)]":
            skipped = True
            continue
        m = re.match(r"pub (struct|enum) (\w+)", s)
        if m:
            current = {"name": m.group(2), "kind": m.group(1), "doc": " ".join(doc), "fields": []}
            structs.append(current)
            doc = []
            continue
        if s.startswith("///"):
            doc.append(s[3:].strip())
            continue
        m = re.match(r"pub (\w+): (.+),$", s)
        if m and skipped:
            skipped, doc = False, []
            continue
        if m and current is not None and current["kind"] == "struct":
            ty = m.group(2).replace("serde_json::Map<String, serde_json::Value>", "table")
            optional = ty.startswith("Option<")
            ty = ty.removeprefix("Option<").removesuffix(">") if optional else ty
            ty = {"Param": "Param", "f64": "number", "u32": "whole number", "bool": "true/false",
                  "String": "text", "YearMonth": "\"YYYY-MM\"", "Vec<f64>": "list of numbers",
                  "Vec<u32>": "list of whole numbers", "Vec<ReturnedHome>": "list of ReturnedHome",
                  "Vec<ChildInCare>": "list of ChildInCare",
                  "Vec<FamilyAtHome>": "list of FamilyAtHome", "NeedLevel": "need", "NeedKind": "need_kind",
                  "LegalStatus": "legal_status", "Placement": "placement", "CaseAtHome": "case",
                  "Vec<Placement>": "list of placement", "Vec<LegalStatus>": "list of legal_status"}.get(ty, ty)
            ty = f"{ty}, optional" if optional else ty
            current["fields"].append((m.group(1), ty, " ".join(doc)))
        if not s.startswith("#") and not s.startswith("///"):
            doc = []
    return structs


def render(structs):
    out = [HEADER]
    for st in structs:
        if st["kind"] != "struct" or not st["fields"]:
            continue
        out.append(f"\n## `{st['name']}` ({PLACES.get(st['name'], '')})\n\n{st['doc']}\n")
        out.append("| field | type | meaning |\n|---|---|---|")
        for name, ty, doc in st["fields"]:
            out.append(f"| `{name}` | {ty} | {doc} |")
    return "\n".join(out) + "\n"


def main():
    text = render(parse(SCHEMA.read_text()) + parse(START.read_text().split("#[cfg(test)]")[0]))
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python3 scripts/scenario_reference.py", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text)


if __name__ == "__main__":
    main()
