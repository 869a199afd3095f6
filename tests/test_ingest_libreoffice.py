"""Workbooks and CSV files as real LibreOffice writes them (issue 10, part 4): the sample's templates
written by `kg templates`' writer and as Excel stores them, re-saved by LibreOffice Calc as .xlsx and
exported as Dutch CSV (';', Windows-1252 or UTF-8, dd-mm-jjjj, 2.500, 0,5), ingest to exactly the
region graph of the original CSV folder. Every fixture is generated here; LibreOffice runs headless
with its own profile in tmp_path (parallel runs do not share one) and a Dutch locale.

Needs Debian's `libreoffice-calc-nogui` (`make libreoffice`); a missing soffice is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from test_ingest_read import ACCENTED, BASE, blocking, csv_bytes, excel_like_xlsx, quads, sample, zip_of

from kg.ingest import blank
from kg.ingest.pipeline import check
from kg.ingest.read import read_bytes, read_path
from kg.ingest.templates import BY_NAME

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
assert Path(SOFFICE).exists(), f"{SOFFICE} is missing: run `make libreoffice` (apt-get install libreoffice-calc-nogui)"

# LibreOffice's CSV filter options: separator ';' (59), quote '"' (34), character set (1 = Windows-1252,
# 76 = UTF-8), start row 1, no column formats, language 1043 (Dutch), quoted text as text: no, detect
# special numbers: yes, save cell contents as shown: yes, formulas: no, remove spaces: no, all sheets (-1).
DUTCH_CSV = "csv:Text - txt - csv (StarCalc):59,34,{charset},1,,1043,false,true,true,false,false,-1"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """soffice(source, target, outdir) -> the files written, with a profile of this module's own."""
    profile = tmp_path_factory.mktemp("lo-profile")
    env = {**os.environ, "LC_ALL": "nl_NL.UTF-8", "LANG": "nl_NL.UTF-8", "HOME": str(profile)}

    def run(source: Path, target: str, outdir: Path) -> list[Path]:
        outdir.mkdir(parents=True, exist_ok=True)
        before = set(outdir.iterdir())
        done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                               "--convert-to", target, "--outdir", str(outdir), str(source)],
                              capture_output=True, text=True, timeout=300, env=env)
        written = sorted(set(outdir.iterdir()) - before)
        assert done.returncode == 0 and written, done.stdout + done.stderr
        return written

    return run


@pytest.fixture(scope="module")
def reference() -> tuple[dict, set[str]]:
    rows = sample(ACCENTED)
    result = check(read_bytes(zip_of({f"{n}.csv": csv_bytes(t) for n, t in rows.items()}), "ref.zip"),
                   "twente", BASE, None)
    assert result.ok, blocking(result)
    return rows, quads(result)


def as_dicts(rows: dict) -> dict[str, list[dict[str, str]]]:
    return {n: [dict(zip(t[0], r)) for r in t[1:]] for n, t in rows.items()}


def test_the_template_workbook_resaved_by_libreoffice_gives_the_same_graph(office, reference, tmp_path) -> None:
    rows, expected = reference
    original = blank.write_xlsx(tmp_path / "in" / "regio.xlsx", as_dicts(rows))
    [resaved] = office(original, "xlsx", tmp_path / "lo")
    assert resaved.read_bytes() != original.read_bytes()
    result = check(read_path(resaved), "twente", BASE, None)
    assert result.ok, blocking(result)
    assert quads(result) == expected


def test_an_excel_like_workbook_resaved_by_libreoffice_gives_the_same_graph(office, reference, tmp_path) -> None:
    rows, expected = reference
    original = excel_like_xlsx(rows, tmp_path / "excel.xlsx")
    [resaved] = office(original, "xlsx", tmp_path / "lo")
    ws = openpyxl.load_workbook(resaved)["networks"]
    assert ws["F3"].is_date and isinstance(ws["F2"].value, int)  # date cells and serial numbers survive
    result = check(read_path(resaved), "twente", BASE, None)
    assert result.ok, blocking(result)
    assert quads(result) == expected


@pytest.mark.parametrize("charset,encoding", [(1, "cp1252"), (76, "utf-8")])
def test_libreoffice_dutch_csv_gives_the_same_graph(office, reference, tmp_path, charset, encoding) -> None:
    rows, expected = reference
    written = office(excel_like_xlsx(rows, tmp_path / "regio.xlsx"), DUTCH_CSV.format(charset=charset),
                     tmp_path / "csv")
    folder = tmp_path / "templates"
    folder.mkdir()
    for f in written:  # LibreOffice names each sheet's file <workbook>-<sheet>.csv
        f.rename(folder / (f.stem.removeprefix("regio-") + ".csv"))
    assert {f.stem for f in folder.iterdir()} == set(BY_NAME)
    networks = (folder / "networks.csv").read_bytes().decode(encoding)
    assert networks.startswith("id;name;type;") and ";2.500;" in networks and ";01-09-2022;" in networks
    assert ";0,5;" in (folder / "ties.csv").read_bytes().decode(encoding)
    assert "Renée Lammerink".encode(encoding) in (folder / "people.csv").read_bytes()
    result = check(read_path(folder), "twente", BASE, None)
    assert result.ok, blocking(result)
    assert quads(result) == expected
    said = {p.code for p in result.problems if p.severity == "info"}
    assert {"csv_format", "number_notation", "date_serial"} <= said


def test_the_empty_templates_resaved_by_libreoffice_read_without_problems(office, tmp_path) -> None:
    [resaved] = office(blank.write_templates(tmp_path / "t")[-1], "xlsx", tmp_path / "lo")
    wb = read_path(resaved)
    assert set(wb.tables) == set(BY_NAME) and not [p for p in wb.problems if p.blocking]
    assert all(t.header[:len(BY_NAME[n].column_names)] == BY_NAME[n].column_names for n, t in wb.tables.items())
