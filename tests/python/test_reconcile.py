"""The modelled baseline beside a finance team's budget (carecast.reconcile, run --budget)."""

import numpy as np
import pytest

import carecast
from carecast.cli import main
from carecast.reconciliation import NOT_COVERED


@pytest.fixture(scope="module")
def run(baseline):
    return baseline.run(6, 2, seed=5, progress=False)


def write(tmp_path, text, name="budget.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_lines_sit_beside_what_they_cover(tmp_path, baseline, run):
    path = write(tmp_path, "line,amount,financial_year,covers\n"
                           "Looked after children,40000000,2015/16,placements\n"
                           "Safeguarding,\"9,800,000\",2015/16,child protection; child in need; assessments\n"
                           "Residential,12000000,2016-17,residential\n")
    table = carecast.reconcile(run, path, scenario=baseline)
    costs = run._inner.costs(baseline._inner, "nominal", "category_year")
    categories = run._inner.cost_labels(baseline._inner)["categories"]
    lines = np.array(run._inner.cost_labels(baseline._inner)["budget_lines"])
    first = table.iloc[0]
    placements = costs[:, lines == "placements", 0].sum(axis=1)
    assert first["line"] == "Looked after children" and first["budget"] == 40e6
    assert first["modelled_mean"] == pytest.approx(placements.mean(), rel=1e-12)
    assert first["difference"] == pytest.approx(placements.mean() - 40e6, rel=1e-12)
    second = table.iloc[1]
    assert second["budget"] == 9.8e6
    wanted = [categories.index(c) for c in ("child_protection", "child_in_need", "assessments")]
    assert second["modelled_mean"] == pytest.approx(costs[:, wanted, 0].sum(axis=1).mean(), rel=1e-12)
    third = table.iloc[2]
    assert third["financial_year"] == "2016/17"
    assert third["modelled_mean"] == pytest.approx(costs[:, categories.index("residential"), 1].mean(), rel=1e-12)
    # What the lines do not cover, per year: with the covered lines it is the whole modelled spend.
    rest = table[table.line == NOT_COVERED].set_index("financial_year")
    total = costs.sum(axis=1).mean(axis=0)
    assert table.iloc[:2]["modelled_mean"].sum() + rest.at["2015/16", "modelled_mean"] == pytest.approx(total[0])
    assert "residential" not in rest.at["2016/17", "covers"] and "child protection" in rest.at["2016/17", "covers"]
    assert "child protection" not in rest.at["2015/16", "covers"]
    # A comparison reconciles its baseline.
    c = carecast.compare(baseline, baseline, replications=6, years=2, seed=5, progress=False)
    np.testing.assert_allclose(carecast.reconcile(c, path)["modelled_mean"], table["modelled_mean"])


@pytest.mark.parametrize(("text", "where", "words"), [
    ("line,amount,financial_year\nx,1,2015/16\n", "row 1", "missing column(s) covers"),
    ("line,amount,financial_year,covers\n", "row 2", "no budget lines"),
    ("line,amount,financial_year,covers\nx,1,2015/16,placements\ny,lots,2015/16,estate\n", "row 3, amount",
     "`lots` is not an amount of pounds"),
    ("line,amount,financial_year,covers\nx,1,2019/20,placements\n", "row 2, financial_year",
     "not a financial year the run covers"),
    ("line,amount,financial_year,covers\nx,1,2015/16,placements; fostering\n", "row 2, covers",
     "`fostering` is no carecast cost line or category"),
    ("line,amount,financial_year,covers\nx,1,2015/16,placements\ny,2,2015/16,residential\n", "row 3, covers",
     "already covered by `x` (row 2)"),
    ("line,amount,financial_year,covers\n,1,2015/16,placements\n", "row 2, line", "needs a name"),
])
def test_bad_budgets_name_file_row_and_column(tmp_path, baseline, run, text, where, words):
    path = write(tmp_path, text)
    with pytest.raises(carecast.ConfigError) as info:
        carecast.reconcile(run, path, scenario=baseline)
    message = str(info.value)
    assert str(path) in message and where in info.value.path and words in message, (message, info.value.path)


def test_reconcile_needs_the_scenario_and_a_file(tmp_path, baseline, run):
    with pytest.raises(carecast.ConfigError, match="needs the scenario"):
        carecast.reconcile(run, write(tmp_path, "line,amount,financial_year,covers\n"))
    with pytest.raises(carecast.ConfigError, match="no such file"):
        carecast.reconcile(run, tmp_path / "nowhere.csv", scenario=baseline)


def test_run_budget_prints_and_writes_the_reconciliation(tmp_path, capsys):
    path = write(tmp_path, "line,amount,financial_year,covers\nLooked after children,40000000,2015/16,placements\n")
    out = tmp_path / "out"
    assert main(["run", "wolverhampton-2015", "--replications", "4", "--years", "1", "--quiet", "--budget",
                 str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"Reconciliation with {path}" in text and "Looked after children" in text and "40.00" in text
    assert NOT_COVERED in text and "modelled minus budget" in text
    assert (out / "reconciliation.csv").exists()
    assert main(["run", "--budget", str(tmp_path / "nowhere.csv"), "--replications", "2", "--years", "1",
                 "--quiet"]) == 2
    assert "nowhere.csv: no such file" in capsys.readouterr().err


def test_run_refuses_a_wrong_budget_before_the_run(tmp_path, capsys, monkeypatch):
    # The check that reconcile makes after a run is made before it: a long run is not lost to a typo.
    def no_run(*args, **kwargs):
        raise AssertionError("the run started before the budget file was checked")

    monkeypatch.setattr(carecast.Scenario, "run", no_run)
    path = write(tmp_path, "line,amount,financial_year,covers\nx,1,2015/16,placements\ny,17x,2015/16,estate\n")
    assert main(["run", "--budget", str(path), "--replications", "2", "--years", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}, row 3, column amount" in err and "`17x` is not an amount of pounds" in err, err
    # A year the run would not reach is found before it too.
    path = write(tmp_path, "line,amount,financial_year,covers\nx,1,2017/18,placements\n")
    assert main(["run", "--budget", str(path), "--replications", "2", "--years", "2", "--quiet"]) == 2
    assert "not a financial year the run covers" in capsys.readouterr().err


def test_financial_years_of_a_run():
    from carecast.reconciliation import financial_years

    assert financial_years("2015-04", 2) == ["2015/16", "2016/17"]
    assert financial_years("2015-01", 1) == ["2014/15", "2015/16"]
    assert financial_years("1999-04", 1) == ["1999/00"]
