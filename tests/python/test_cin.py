"""Reading, cleaning and measuring CIN census returns and early help files, on synthetic data
with a known truth (carecast.returns.cin.synthetic).

Counts are compared with the truth exactly. Rates and shares are compared as z-scores against
the truth: Poisson (events - expected) / sqrt(expected) for rates, binomial for shares; with the
seed fixed the tests are deterministic, and the bounds (every |z| < 4, mean z^2 under 2) would
fail by chance with probability well under 1% for another seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carecast import ReturnsError
from carecast.returns import cin
from carecast.returns.cin import early_help, measures, synthetic

WINDOW = cin.Window.ending("2018-03-31", months=36)
DAYS = ("2015-03-31", "2016-09-30", "2018-03-31")


@pytest.fixture(scope="module")
def authority() -> synthetic.SyntheticCin:
    return synthetic.generate_cin(seed=4)


@pytest.fixture(scope="module")
def clean_data(authority: synthetic.SyntheticCin, tmp_path_factory: pytest.TempPathFactory) -> cin.CleanCin:
    folder = tmp_path_factory.mktemp("cin_clean")
    authority.write(folder)
    return cin.load(folder)


@pytest.fixture(scope="module")
def messy_data(authority: synthetic.SyntheticCin, tmp_path_factory: pytest.TempPathFactory) -> cin.CleanCin:
    folder = tmp_path_factory.mktemp("cin_messy")
    authority.write(folder, synthetic.CinMess())
    return cin.load(folder)


def test_flows_are_exactly_the_truth(authority: synthetic.SyntheticCin, clean_data: cin.CleanCin) -> None:
    measured = measures.flows(clean_data, WINDOW)
    truth = authority.true_events(WINDOW.start.date(), WINDOW.end.date())
    merged = measured.merge(truth, on=["measure", "age"], how="left", suffixes=("", "_true")).fillna(0)
    wrong = merged[merged["events"] != merged["events_true"]]
    assert wrong.empty, wrong.groupby("measure")[["events", "events_true"]].sum()
    totals = measured.groupby("measure")["events"].sum()
    assert (totals[list(measures.FLOWS)] > 0).all(), totals  # every flow is exercised


@pytest.mark.parametrize("day", DAYS)
def test_stocks_are_exactly_the_truth(authority: synthetic.SyntheticCin, clean_data: cin.CleanCin, day: str) -> None:
    measured = measures.stocks(clean_data, [day]).groupby("measure")["children"].sum()
    truth = authority.true_stock(dt.date.fromisoformat(day))
    for name, count in truth.items():
        assert measured[name] == count, (name, measured[name], count)


def test_messy_returns_measure_the_same_as_clean_ones(clean_data: cin.CleanCin, messy_data: cin.CleanCin) -> None:
    pd.testing.assert_frame_equal(measures.flows(messy_data, WINDOW), measures.flows(clean_data, WINDOW))
    pd.testing.assert_frame_equal(measures.stocks(messy_data, DAYS), measures.stocks(clean_data, DAYS))
    pd.testing.assert_frame_equal(measures.primary_need(messy_data, WINDOW), measures.primary_need(clean_data, WINDOW))
    pd.testing.assert_frame_equal(
        measures.referral_outcomes(messy_data, WINDOW), measures.referral_outcomes(clean_data, WINDOW)
    )
    counts = messy_data.rule_counts()
    for rule in ("exact_duplicate", "repeated_in_later_return", "updated_in_later_return"):
        assert counts[rule] > 0, rule
    clean_counts = clean_data.rule_counts()
    assert clean_counts["exact_duplicate"] == 0
    # Episodes closed since the earlier return are updates in clean returns too; the mess adds more.
    assert counts["updated_in_later_return"] > clean_counts["updated_in_later_return"] > 0


def test_referral_rates_and_shares_are_within_sampling_error_of_the_truth(tmp_path: Path) -> None:
    truth = synthetic.CinTruth(rereferral=0.0)
    folder = tmp_path / "cin"
    synthetic.generate_cin(truth, seed=9).write(folder)
    data = cin.load(folder)
    rates = measures.flows(data, WINDOW, population=truth.population)
    referrals = rates[rates["measure"] == "referrals"]
    expected = np.asarray(truth.referral_rate) * referrals["exposure_years"].to_numpy()
    z = (referrals["events"].to_numpy() - expected) / np.sqrt(expected)
    assert np.abs(z).max() < 4 and np.mean(z**2) < 2, z
    # Shares: no further action at referral, and abuse or neglect by band, are binomial.
    outcomes = measures.referral_outcomes(data, WINDOW)
    nfa = outcomes[outcomes["outcome"] == "nfa_at_referral"]
    n = outcomes[outcomes["outcome"] != "undetermined"].groupby("age_band")["referrals"].sum()
    p = truth.nfa_at_referral
    z_nfa = (nfa.set_index("age_band")["referrals"] - n * p) / np.sqrt(n * p * (1 - p))
    need = measures.primary_need(data, WINDOW).set_index("age_band")
    share = np.asarray(truth.abuse_neglect_share)
    z_need = (need["abuse_neglect"] - need["stated"] * share) / np.sqrt(need["stated"] * share * (1 - share))
    for values in (z_nfa, z_need):
        assert np.abs(values).max() < 4, values
    # Child protection plans end at the truth's rate (exposure on plans, by band, pooled).
    exits = measures.exit_rates(data, WINDOW)
    cp = exits[exits["state"] == "cp_plan"]
    expected_ends = truth.cp_plan_end * cp["exposure_years"].sum()
    assert abs(cp["events"].sum() - expected_ends) / np.sqrt(expected_ends) < 4


def test_moves_between_plans_are_within_sampling_error_of_the_truth(clean_data: cin.CleanCin) -> None:
    truth = synthetic.CinTruth()
    moves = measures.transitions(clean_data, WINDOW)
    pooled = moves[moves["age_band"] == "all"].set_index(["state", "move"])
    closing = 1 - truth.step_down
    expected_rates = {
        ("child_in_need", "step_up"): truth.step_up,
        ("child_in_need", "close"): truth.cin_plan_end * (1 - truth.close_to_early_help),
        ("child_in_need", "close_to_early_help"): truth.cin_plan_end * truth.close_to_early_help,
        ("child_protection", "step_down"): truth.cp_plan_end * truth.step_down,
        ("child_protection", "close"): truth.cp_plan_end * closing * (1 - truth.close_to_early_help),
        ("child_protection", "close_to_early_help"): truth.cp_plan_end * closing * truth.close_to_early_help,
    }
    z = []
    for key, rate in expected_rates.items():
        row = pooled.loc[key]
        expected = rate * row["exposure_years"]
        assert expected > 20, key  # enough events for the normal approximation
        z.append((row["events"] - expected) / np.sqrt(expected))
    assert np.abs(z).max() < 4 and np.mean(np.square(z)) < 2, z


def test_precare_targets_are_the_measures_they_name(clean_data: cin.CleanCin, tmp_path: Path) -> None:
    truth = synthetic.CinTruth()
    path = tmp_path / "eh.csv"
    synthetic.write_early_help(path, dt.date(2014, 4, 1), dt.date(2018, 3, 31), seed=3)
    help_data = early_help.read_early_help(path)
    found = cin.targets.precare_targets(clean_data, "2018-03-31", population=truth.population, early_help=help_data)
    direct = found.direct
    # The assessment outcomes are the truth's, within binomial error.
    protection = truth.section47 * truth.icpc * truth.cp_plan
    shares = {
        "early_help": truth.to_early_help,
        "child_protection": protection,
        "child_in_need": 1 - truth.nfa_after_assessment - truth.to_early_help - protection,
    }
    outcomes = measures.referral_outcomes(clean_data, WINDOW).groupby("outcome")["referrals"].sum()
    n = outcomes.drop(["nfa_at_referral", "undetermined"]).sum()
    for name, p in shares.items():
        z = (direct[f"hazards.assessment.{name}"] - p) / np.sqrt(p * (1 - p) / n)
        assert abs(z) < 4, (name, z)
    plans = outcomes["child_in_need"] + outcomes["child_protection"]
    assert direct["hazards.early_help.step_up_to_protection"] == outcomes["child_protection"] / plans
    # Moves and stocks are exactly the measures' (tested against the truth above).
    moves = measures.transitions(clean_data, WINDOW).set_index(["state", "move", "age_band"])
    cp = moves.loc[("child_protection", "step_down", "all")]
    assert direct["hazards.child_protection.step_down"] == cp["events"] / cp["exposure_years"]
    stock = measures.stocks(clean_data, ["2018-03-31"]).groupby("measure")["children"].sum()
    assert direct["population.initial.child_protection"] == stock["cp_plans"]
    assert direct["population.initial.child_in_need"] == stock["child_in_need_state"]
    assert direct["hazards.child_in_need.step_down"] == 0.0
    assert set(found.referral_shape) == {"age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17"}
    totals = measures.flows(clean_data, WINDOW).groupby("measure")["events"].sum()
    assert found.fit["assessments"] == (totals["referrals"] - totals["referrals_nfa"]) / WINDOW.years
    assert abs(direct["policy.early_help.mean_duration_months"] - 6.0) < 1.0  # the truth's 6 months
    assert "early_help_starts" in found.fit and "population.initial.early_help_families" in direct
    assert set(found.provenance) >= set(direct) | set(found.fit)


def _write(path: Path, body: str, header: bool = True, year: int = 2024) -> Path:
    head = (
        f"<Header><CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>"
        f"<ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails></Header>"
        if header
        else ""
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<Message>{head}<Children>{body}</Children></Message>')
    return path


CHILD = (
    "<Child><ChildIdentifiers><LAchildID>{id}</LAchildID><PersonBirthDate>{dob}</PersonBirthDate>"
    "<Sex>{sex}</Sex></ChildIdentifiers><CINdetails><CINreferralDate>{ref}</CINreferralDate>"
    "<PrimaryNeedCode>{need}</PrimaryNeedCode><CINclosureDate>{close}</CINclosureDate>"
    "<ReferralNFA>{nfa}</ReferralNFA>{more}</CINdetails></Child>"
)


def _child(**kw: str) -> str:
    values = {"id": "A1", "dob": "2015-06-01", "sex": "1", "ref": "2023-05-01", "need": "N1", "close": "",
              "nfa": "0", "more": ""}  # fmt: skip
    values.update(kw)
    return CHILD.format(**values)


def test_bad_files_are_errors_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Message><Children><Child></Children></Message>")
    with pytest.raises(ReturnsError, match=r"broken\.xml: not well-formed XML at line 1") as e:
        cin.read_cin(broken)
    assert e.value.file == str(broken)
    # The location once, its column counted from 1 (expat counts from 0).
    assert str(e.value).count("line 1") == 1 and "column 29: mismatched tag" in str(e.value), str(e.value)
    ssda = tmp_path / "903.xml"
    ssda.write_text("<EXPSSDA903><CHILD><HEADER><CHILDID>1</CHILDID></HEADER></CHILD></EXPSSDA903>")
    with pytest.raises(ReturnsError, match=r"not a CIN census return .*SSDA903.*give it as SSDA903_PATH"):
        cin.read_cin(ssda)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReturnsError, match=r"no \.xml files"):
        cin.read_cin(tmp_path / "empty")
    with pytest.raises(ReturnsError, match="cannot tell which collection year"):
        cin.read_cin(_write(tmp_path / "noyear.xml", _child(), header=False))


def test_a_collection_year_read_twice_is_a_warning_naming_both_files(authority: synthetic.SyntheticCin,
                                                                      tmp_path: Path) -> None:  # fmt: skip
    authority.write(tmp_path / "cin")
    files = sorted((tmp_path / "cin").rglob("*.xml"))
    copy = tmp_path / "resubmitted.xml"
    copy.write_bytes(files[-1].read_bytes())
    once = cin.load(tmp_path / "cin")
    twice = cin.load([tmp_path / "cin", copy, files[0]])
    said = [line for line in twice.attention() if "read twice" in line]
    assert len(said) == 2, twice.attention()
    assert any(line.startswith(str(copy)) and str(files[-1]) in line and "merged" in line for line in said), said
    assert any(line.startswith(str(files[0])) and "given twice; read once" in line for line in said), said
    assert not [line for line in once.attention() if "read twice" in line]
    # An exact copy adds nothing: each of its records is kept once.
    assert len(twice.episodes) == len(once.episodes)


def test_bad_values_are_located_by_file_child_element_and_value(tmp_path: Path) -> None:
    body = (
        _child(id="A1", ref="2023-13-01")
        + _child(id="A2", need="N99", nfa="maybe", close="31/02/2024")
        + _child(id="A3", more="<Section47><S47ActualStartDate>not a date</S47ActualStartDate></Section47>")
        + "<Child><ChildIdentifiers><PersonBirthDate>2015-01-01</PersonBirthDate></ChildIdentifiers></Child>"
    )
    data = cin.read_cin(_write(tmp_path / "cin.xml", body))
    problems = {(p.child, p.column, p.value, p.severity) for p in data.problems if isinstance(p, cin.CinProblem)}
    assert ("A1", "CINdetails[1]/CINreferralDate", "2023-13-01", "error") in problems
    assert ("A2", "CINdetails[1]/PrimaryNeedCode", "N99", "warning") in problems
    assert ("A2", "CINdetails[1]/ReferralNFA", "maybe", "warning") in problems
    assert ("A2", "CINdetails[1]/CINclosureDate", "31/02/2024", "warning") in problems
    assert ("A3", "CINdetails[1]/Section47[1]/S47ActualStartDate", "not a date", "error") in problems
    assert any(p.column == "ChildIdentifiers/LAchildID" and p.row == 4 for p in data.problems)
    text = str(next(p for p in data.problems if p.value == "N99"))
    assert "cin.xml" in text and "'A2'" in text and "Child 2" in text and "N99" in text
    assert list(data.episodes["LAchildID"]) == ["A2", "A3"]  # A1's referral is unusable
    assert data.episodes.loc[0, "PrimaryNeedCode"] == "N99"  # unknown codes are kept
    assert data.section47.empty


def test_cleaning_rules_fix_what_they_name(tmp_path: Path) -> None:
    y2023 = _child(id="A1", ref="2022-06-01") + _child(id="B1", ref="2022-07-01", close="2022-05-01")
    y2023 += _child(id="C1", dob="2004-05-01", ref="2021-09-01")  # open; 18 on 2022-05-01
    y2024 = _child(id="A1", ref="2022-06-01", close="2023-06-01") + _child(
        id="D1", ref="2023-04-10", more="<ChildProtectionPlans><CPPstartDate>2023-05-01</CPPstartDate>"
        "<CPPendDate>2023-04-01</CPPendDate></ChildProtectionPlans>", close="2023-08-01")
    _write(tmp_path / "2023" / "cin.xml", y2023, year=2023)
    _write(tmp_path / "2024" / "cin.xml", y2024)
    data = cin.load(tmp_path)
    counts = data.rule_counts()
    assert counts["updated_in_later_return"] == 1  # A1 closed in the later return
    assert counts["closed_before_referral"] == 1
    assert counts["closed_at_18th_birthday"] == 1
    assert counts["absent_from_later_return"] == 0  # C1 is absent from 2024, but turned 18 before
    assert counts["ends_before_start"] == 1 and counts["plan_closed_with_episode"] == 1
    episodes = data.episodes.set_index("LAchildID")
    assert episodes.loc["A1", "CINclosureDate"] == pd.Timestamp("2023-06-01")
    assert episodes.loc["B1", "CINclosureDate"] == pd.Timestamp("2022-07-01")
    assert episodes.loc["C1", "CINclosureDate"] == pd.Timestamp("2022-05-01")
    assert data.cp_plans.loc[0, "CPPendDate"] == pd.Timestamp("2023-08-01")
    report = data.report()
    assert "updated_in_later_return" in report and "2 CIN census files" in report


def test_an_unborn_child_counts_at_age_0_and_late_dates_are_warned(tmp_path: Path) -> None:
    unborn = _child(id="U1", ref="2023-05-01", dob="").replace(
        "<PersonBirthDate></PersonBirthDate>", "<ExpectedPersonBirthDate>2023-08-01</ExpectedPersonBirthDate>"
    )
    late = _child(id="L1", more="<Assessments><AssessmentActualStartDate>2028-04-28</AssessmentActualStartDate>"
                  "</Assessments>")  # fmt: skip
    data = cin.load(_write(tmp_path / "cin.xml", unborn + late))
    assert data.rule_counts()["expected_birth_date_used"] == 1
    referrals = measures.events(data, cin.Window.ending("2024-03-31", 12))
    assert referrals.set_index(["measure", "LAchildID"]).loc[("referrals", "U1"), "age"] == 0
    assert any(p.value == "2028-04-28" and "after 31 March" in p.message for p in data.problems)


def test_early_help_episodes_are_measured_exactly(tmp_path: Path) -> None:
    path = tmp_path / "eh.csv"
    truth = synthetic.write_early_help(path, dt.date(2015, 4, 1), dt.date(2018, 3, 31), seed=2)
    data = early_help.read_early_help(path)
    assert data.kind == "episodes" and len(data.episodes) == len(truth)
    got = early_help.starts(data, WINDOW, by="total")["starts"].iloc[0]
    assert got == ((truth["start"] >= WINDOW.start) & (truth["start"] < WINDOW.end)).sum()
    day = pd.Timestamp("2017-03-31")
    on = ((truth["start"] <= day) & (truth["end"].isna() | (truth["end"] > day))).sum()
    assert early_help.open_on(data, ["2017-03-31"])["families"].iloc[0] == on
    bands = early_help.starts(data, WINDOW)
    assert bands["starts"].sum() == got
    rate = early_help.durations(data, WINDOW, until="2018-03-31")
    expected = 12 / 6.0 * rate["exposure_years"].iloc[0]  # the truth's mean of 6 months
    assert abs(rate["events"].iloc[0] - expected) / np.sqrt(expected) < 4


def test_early_help_counts_and_errors(tmp_path: Path) -> None:
    counts = tmp_path / "counts.csv"
    counts.write_text("month,starts,open\n2016-04,50,300\n2016-05,40,310\n2016-06,45,305\n")
    data = early_help.read_early_help(counts)
    window = cin.Window.ending("2016-06-30", months=3)
    assert early_help.starts(data, window, by="total")["starts"].iloc[0] == 135
    assert early_help.open_on(data, ["2016-05-31"])["families"].iloc[0] == 310
    with pytest.raises(ReturnsError, match="row 3, column starts: 'many'"):
        bad = tmp_path / "bad.csv"
        bad.write_text("month,starts\n2016-04,50\n2016-05,many\n")
        early_help.read_early_help(bad)
    with pytest.raises(ReturnsError, match="not an early help file"):
        other = tmp_path / "other.csv"
        other.write_text("a,b\n1,2\n")
        early_help.read_early_help(other)
    rows = tmp_path / "rows.csv"
    rows.write_text("family,start,end,age\nF1,01/04/2016,,7\nF2,soon,,3\nF3,01/05/2016,01/04/2016,19\n")
    data = early_help.read_early_help(rows)
    assert list(data.episodes["family"]) == ["F1"]
    located = {(p.row, p.column, p.value) for p in data.problems}
    assert (3, "start", "soon") in located and (4, "age", "19") in located and (4, "end", "01/04/2016") in located


def test_windows_and_dates_outside_the_returns_are_refused(clean_data: cin.CleanCin) -> None:
    with pytest.raises(ReturnsError, match="not inside the CIN census returns"):
        measures.flows(clean_data, cin.Window.ending("2019-03-31", 12))
    with pytest.raises(ReturnsError, match="stock date 2010-03-31"):
        measures.stocks(clean_data, ["2010-03-31"])
    with pytest.raises(ReturnsError, match="population"):
        measures.flows(clean_data, WINDOW, population=[1.0] * 17)
