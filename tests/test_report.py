"""`qualcode report`: the numbers equal the commands each table names, pseudonymization
hides every identity, empty sections say why, and the page is self-contained (checked in
headless Chromium where it is installed)."""

from __future__ import annotations

import base64
import csv
import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli.app import app
from qualcode.project import open_project

from .conftest import CODEBOOK, copy_example, write

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def run(root: Path, *args: str):
    res = CliRunner().invoke(app, ["-p", str(root), *args], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    return res


def csv_rows(root: Path, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run(root, *args, "--format", "csv").stdout)))


def parse(html: str):
    import lxml.html

    return lxml.html.fromstring(html)


def data_uris(html: str) -> list[str]:
    return re.findall(r'data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)', html)


def svgs(html: str) -> list[str]:
    return [base64.b64decode(u).decode("utf-8") for u in data_uris(html)]


def same(cell_value: str, csv_value: str) -> bool:
    """A cell's exact value (data-v) equals the CSV's; both empty when missing."""
    if csv_value in ("", "nan") or cell_value == "":
        return csv_value in ("", "nan") and cell_value == ""
    return float(cell_value) == float(csv_value)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    """The example study (both coders' codings and the rules' suggestions) and its report,
    written by the CLI."""
    root = copy_example(tmp_path_factory.mktemp("report") / "sahel")
    run(root, "import")
    run(root, "autocode")
    # the coders' CSV files carry memos on codings; add a journal entry, edited once, that
    # links to a coding, and a memo on a code
    run(root, "--coder", "ana", "memo", "add", "--project", "Week 1: first reading.",
        "--link", "coding:1")
    jid = open_project(root).memos("project").id.iloc[0]
    run(root, "--coder", "ana", "memo", "edit", str(jid), "Week 1: first reading, NE-07 "
        "stands out.")
    run(root, "--coder", "ana", "memo", "add", "--code", "coup_risk", "Coup talk is "
        "hedged everywhere.")
    out = root / "study.html"
    res = run(root, "report", "-o", str(out))
    assert res.stderr.startswith(f"wrote {out} (")
    return root, out, out.read_text(encoding="utf-8")


def tables(doc, name_prefix: str):
    return [f for f in doc.xpath("//figure[@data-table]")
            if f.get("data-table").startswith(name_prefix)]


def command_of(figure) -> list[str]:
    argv = shlex.split(figure.xpath(".//code[@class='cmd']")[0].text_content())
    assert argv[0] == "qualcode"
    return argv[1:]


# --- the numbers --------------------------------------------------------------------------
def test_default_groupings_are_the_ordered_attributes_then_small_ones(example):
    _, _, html = example
    doc = parse(html)
    assert [f.get("data-table") for f in tables(doc, "summary-")] == [
        "summary-rank", "summary-phase", "summary-origin", "summary-language"]
    assert [f.get("data-table") for f in tables(doc, "compare-")] == [
        "compare-rank", "compare-phase", "compare-origin", "compare-language"]


def test_summary_tables_equal_qualcode_summary(example):
    root, _, html = example
    doc = parse(html)
    for fig in tables(doc, "summary-"):
        argv = command_of(fig)
        by = argv[argv.index("--by") + 1]
        rows = csv_rows(root, *argv)
        cells = {(td.get("data-code"), td.get("data-g")): td
                 for td in fig.xpath(".//td[@data-t='summary']")}
        assert len(cells) == len(rows) > 0
        for r in rows:
            td = cells[(r["code"], r[by])]
            assert same(td.get("data-v"), r["value"]), (by, r)
            assert (td.get("data-n"), td.get("data-count")) == (r["n"], r["count"])
    # one value read by eye: 4 of the 7 senior officers raise the trust gap
    td = doc.xpath("//td[@data-t='summary'][@data-by='rank'][@data-code='trust_gap']"
                   "[@data-g='senior officer']")[0]
    assert (td.text_content().strip(), td.get("data-n")) == ("57% (4)", "7")


def test_compare_tables_equal_qualcode_compare(example):
    root, _, html = example
    doc = parse(html)
    checked = set()
    for fig in tables(doc, "compare-"):
        rows = {r["code"]: r for r in csv_rows(root, *command_of(fig))}
        cells = fig.xpath(".//td[@data-t='compare']")
        assert {td.get("data-code") for td in cells} == set(rows)
        for td in cells:
            r, field = rows[td.get("data-code")], td.get("data-f")
            assert same(td.get("data-v"), r[field]), (fig.get("data-table"), field, r)
            if field.startswith("count_"):
                assert td.get("data-n") == r["n_" + field[len("count_"):]]
            if field == "risk_difference":
                assert same(td.get("data-lo"), r["ci_low"])
                assert same(td.get("data-hi"), r["ci_high"])
            checked.add(field)
    assert {"p_value", "p_adjusted", "risk_difference", "trend_z", "trend_p",
            "cramers_v"} <= checked
    # rank is ordered (enlisted < junior < senior officer): civilians are left out and the
    # trend test is reported
    rank = tables(doc, "compare-rank")[0]
    assert command_of(rank) == ["compare", "rank", "--groups",
                                "enlisted,junior officer,senior officer"]
    assert "Left out (not in the declared order of rank): civilian." in html


def test_agreement_table_equals_qualcode_agreement_with_disagreements(example):
    root, _, html = example
    doc = parse(html)
    fig = tables(doc, "agreement")[0]
    argv = command_of(fig)
    assert argv == ["agreement", "--coders", "amina,lukas", "--unit", "sentence"]
    rows = {r["code"]: r for r in csv_rows(root, *argv)}
    dis = csv_rows(root, *argv, "--disagreements")
    cells = fig.xpath(".//td[@data-t='agreement']")
    for td in cells:
        code, field = td.get("data-code"), td.get("data-f")
        if field == "disagreements":
            want = len(dis) if code == "(overall)" else sum(d["code"] == code for d in dis)
            assert int(td.get("data-v")) == want
        elif field:
            assert same(td.get("data-v"), rows[code][field]), (code, field)
    overall = fig.xpath(".//td[@data-code='(overall)'][@data-f='disagreements']")[0]
    assert overall.get("data-v") == str(len(dis)) and len(dis) > 0
    assert f"{len(dis)} disagreement(s) in all" in html


def test_cooccurrence_pairs_equal_qualcode_cooccur(example):
    root, _, html = example
    fig = tables(parse(html), "cooccur")[0]
    rows = {(r["code_a"], r["code_b"]): r for r in csv_rows(root, *command_of(fig))}
    cells = fig.xpath(".//td[@data-t='cooccur']")
    assert len(cells) == 30  # ten pairs x (both, either, jaccard)
    for td in cells:
        assert same(td.get("data-v"), rows[(td.get("data-a"), td.get("data-b"))][td.get("data-f")])


def test_rule_quality_equals_the_api(example):
    root, _, html = example
    df = open_project(root).rule_quality(["amina", "lukas"])
    cells = {(td.get("data-coder"), td.get("data-code"), td.get("data-f")): td.get("data-v")
             for td in parse(html).xpath("//td[@data-t='quality']")}
    assert len(cells) == len(df) * 6 == 48
    for r in df.to_dict("records"):
        for f in ("coder_units", "auto_units", "precision", "recall", "f1", "kappa"):
            assert same(cells[(r["coder"], r["code"], f)], str(r[f]))


def test_codebook_corpus_excerpts_and_methods(example):
    _, _, html = example
    doc = parse(html)
    assert [s.get("id") for s in doc.xpath("//main/section")] == [
        "codebook", "corpus", "saturation", "themes", "compare", "words", "excerpts",
        "cooccur", "agreement", "quality", "memos", "methods"]
    assert not doc.xpath("//*[@data-empty]")
    codes = doc.xpath("//ul[@class='codebook']/li")
    assert len(codes) == 15 and codes[0].get("data-code") == "trust_gap"
    assert "#d95f02" in codes[0].text_content()
    # corpus: 26 documents, 28 respondents (the focus group's three speakers)
    n = {td.get("data-g"): td.get("data-v")
         for td in doc.xpath("//td[@data-t='corpus'][@data-attr='origin']"
                             "[@data-f='respondents']")}
    assert n == {"Nigérien": "18", "Western": "10"}
    assert doc.xpath("//dd[@data-fact='documents']")[0].text == "26"
    # excerpts: four themes, passages with speaker, document and attributes
    quotes = doc.xpath("//section[@id='excerpts']//blockquote")
    assert len(doc.xpath("//section[@id='excerpts']/h3")) == 4 and len(quotes) >= 12
    assert "Lieutenant A · FG-01 · rank: junior officer" in quotes[0].text_content()
    methods = doc.xpath("//section[@id='methods']")[0].text_content()
    for phrase in ("Benjamini-Hochberg", "Newcombe", "permutation", "linear-by-linear",
                   '"(missing)"', "Krippendorff", "scipy", "jinja2"):
        assert phrase in methods
    counted = {(td.get("data-coder"), td.get("data-status")): td.get("data-v")
               for td in doc.xpath("//td[@data-t='codings']")}
    assert counted == {("amina", "accepted"): "74", ("auto", "suggested"): "186",
                       ("lukas", "accepted"): "68"}


def test_memos_section_beside_the_passages_and_the_journal(example):
    root, _, html = example
    doc = parse(html)
    sec = doc.xpath("//section[@id='memos']")[0]
    memos = open_project(root).memos()
    codings = open_project(root).codings().set_index("id")
    # every memo is there once, under its code or in the journal
    shown = [int(a.get("data-memo")) for a in sec.xpath(".//article")]
    assert sorted(shown) == sorted(memos.id.tolist())
    # a memo on a coding stands beside that coding's passage
    on_coding = memos[memos.on == "coding"].iloc[0]
    art = sec.xpath(f".//article[@data-memo='{on_coding.id}']")[0]
    quote = art.xpath(".//blockquote/p")[0].text_content()
    assert quote == codings.loc[int(on_coding.target), "text"]
    group = art.getparent().xpath("./h4")[0].text_content()
    code = codings.loc[int(on_coding.target), "code"]
    assert group == open_project(root).codebook.by_id()[code].name
    # the journal: by date, the latest text, the edit noted, the linked passage beside it
    journal = sec.xpath(".//h3[text()='Journal']/following-sibling::div//article")
    assert len(journal) == 1
    text = journal[0].text_content()
    assert "Week 1: first reading, NE-07 stands out." in text
    assert "Week 1: first reading." not in text and "1 earlier text kept" in text
    assert journal[0].xpath(".//blockquote/p")[0].text_content() == codings.loc[1, "text"]
    # the code memo is under its code
    coup = next(g for g in sec.xpath(".//div[@class='memo-group']")
                if g.xpath("./h4")[0].text_content() == "Coup risk")
    assert "Coup talk is hedged everywhere." in coup.text_content()
    methods = doc.xpath("//section[@id='methods']")[0].text_content()
    authors = ", ".join(sorted(set(memos.coder))[:-1]) + " and " + sorted(set(memos.coder))[-1]
    assert f"Memos: {len(memos)} memo(s) by {authors}, 1 in the project journal, 1 edited" \
        in methods


def test_no_memos_leaves_them_out(example, tmp_path: Path):
    root, _, _ = example
    out = tmp_path / "plain.html"
    run(root, "report", "-o", str(out), "--no-memos")
    html = out.read_text(encoding="utf-8")
    doc = parse(html)
    assert "memos" not in [s.get("id") for s in doc.xpath("//main/section")]
    assert "Coup talk is hedged" not in html and "Week 1: first reading" not in html
    assert "Memos:" not in doc.xpath("//section[@id='methods']")[0].text_content()


def test_page_is_self_contained(example):
    _, _, html = example
    outside = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r"<script|<link|<iframe|<object|@import|url\(|https?://|//cdn",
                         outside, re.I)
    doc = parse(html)
    assert all(img.get("src").startswith("data:image/svg+xml;base64,")
               for img in doc.xpath("//img"))
    # 4 heatmaps, 3 forest plots, co-occurrence, 5 saturation curves (all, and by each of
    # the 4 grouping attributes)
    assert len(doc.xpath("//img")) == 13
    for svg in svgs(html):
        # the only URL is the SVG namespace, an identifier that is never fetched
        assert re.findall(r"https?://[^\"' ]+", svg) == ["http://www.w3.org/2000/svg"]
        assert "<script" not in svg and "href" not in svg


def test_report_is_reproducible_and_the_api_returns_the_path(example, tmp_path: Path):
    root, _, html = example
    out = open_project(root).report(tmp_path / "again.html")
    assert out == tmp_path / "again.html"
    assert out.read_text(encoding="utf-8") == html


def test_where_and_by_options_reach_every_command(example, tmp_path: Path):
    root, _, _ = example
    out = tmp_path / "western.html"
    run(root, "report", "-o", str(out), "--where", "origin=western", "--by", "phase",
        "--by", "rank,phase", "--include-suggestions", "--coders", "amina,auto")
    doc = parse(out.read_text(encoding="utf-8"))
    figs = tables(doc, "summary-")
    assert [f.get("data-table") for f in figs] == ["summary-phase", "summary-rank,phase"]
    argv = command_of(figs[0])
    assert argv == ["summary", "--by", "phase", "--where", "origin=western",
                    "--include-suggestions", "--coders", "amina,auto"]
    rows = csv_rows(root, *argv)
    for r in rows:
        td = figs[0].xpath(f".//td[@data-code='{r['code']}'][@data-g='{r['phase']}']")[0]
        assert same(td.get("data-v"), r["value"])
    assert {r["n"] for r in rows if r["phase"] == "All"} == {"10"}
    assert [f.get("data-table") for f in tables(doc, "compare-")] == ["compare-phase"]
    assert "Crossed groupings (rank x phase) are not compared here" in doc.text_content()
    # one human coder left: agreement says why it is empty
    empty = doc.xpath("//p[@data-empty='agreement']")[0].text_content()
    assert empty == "No second coder: only amina coded by hand, so agreement cannot be " \
                    "measured."


# --- errors -------------------------------------------------------------------------------
def test_output_errors_are_one_line_and_exit_1(cli, project_dir: Path):
    res = cli("report", "-o", str(project_dir / "missing" / "r.html"))
    assert (res.exit_code, res.stderr) == (
        1, f"Error: {project_dir / 'missing' / 'r.html'}: folder {project_dir / 'missing'} "
           "does not exist - create it first\n")
    res = cli("report", "-o", str(project_dir))
    assert (res.exit_code, res.stderr) == (
        1, f"Error: {project_dir}: is a folder - give a file name such as "
           f"{project_dir / 'study.html'}\n")


def test_unknown_attribute_is_an_error_naming_the_known(cli, project_dir: Path):
    write(project_dir / "interviews" / "d1.md", ONE)
    assert cli("import").exit_code == 0
    res = cli("report", "-o", str(project_dir / "r.html"), "--by", "colour")
    assert (res.exit_code, res.stderr) == (
        1, "Error: --by colour: unknown attribute - known: date, language, origin, rank\n")
    assert not (project_dir / "r.html").exists()


def test_help_imports_no_jinja2_or_matplotlib():
    code = ("import sys, contextlib, io\nfrom qualcode.cli.app import app\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: app(['report', '--help'])\n    except SystemExit: pass\n"
            "print(sorted(m for m in ('jinja2', 'matplotlib', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


# --- empty sections -----------------------------------------------------------------------
ONE = """
---
id: D1
respondent: R1
date: 2023-07-01
origin: Western
rank: senior officer
---
Interviewer: Do you trust your partners?

R1: I trust them. It is the last bastion, really.

Interviewer: And the army?

R1: The army stays out of politics, I think. A coup is unlikely.
"""


def test_empty_sections_say_why(project_dir: Path, tmp_path: Path):
    proj = open_project(project_dir)
    out = proj.report(tmp_path / "empty.html")
    doc = parse(out.read_text(encoding="utf-8"))
    empty = {p.get("data-empty"): p.text_content() for p in doc.xpath("//p[@data-empty]")}
    assert empty["corpus"] == ("No documents are imported - put transcripts in interviews/ "
                               "and run qualcode import.")
    assert empty["agreement"] == "No human coder has accepted codings yet."
    assert empty["quality"] == ("No auto-coding suggestions - run qualcode autocode to "
                                "measure the rules.")
    assert empty["excerpts"].startswith("No codings yet")
    assert empty["memos"] == "No memos yet - write them with qualcode memo add (or in " \
        "qualcode serve)."
    write(project_dir / "interviews" / "d1.md", ONE)
    proj.import_interviews()
    proj.coder = "ana"
    proj.code("D1", "trust", quote="I trust them.")
    proj.memo("project", None, "Started.")
    doc = parse(proj.report(tmp_path / "one.html").read_text(encoding="utf-8"))
    empty = {p.get("data-empty"): p.text_content() for p in doc.xpath("//p[@data-empty]")}
    assert empty == {
        "compare": "No single attribute to compare (give --by ATTR).",
        "words": "No single attribute to compare (give --by ATTR).",
        "agreement": "No second coder: only ana coded by hand, so agreement cannot be "
                     "measured.",
        "quality": "No auto-coding suggestions - run qualcode autocode to measure the rules."}
    td = doc.xpath("//td[@data-t='summary'][@data-code='trust']")[0]
    assert (td.get("data-g"), td.get("data-v"), td.text_content()) == ("All", "1.0",
                                                                        "100% (1)")


# --- pseudonymization ---------------------------------------------------------------------
FOCUS = """
---
id: focus-tillaberi
respondent: FGT-01
interviewer: [Marie-Claire Lefèvre]
origin: Nigérien
rank: enlisted
speakers:
  Aïcha Ouédraogo:
    case: FGT-AICHA
    rank: junior officer
  Jean-Baptiste Koné Diallo:
    case: FGT-JBKD
  Zéphyrin N'Guessan:
    case: FGT-ZEPH
---
Marie-Claire Lefèvre: Do you trust your partners?

Aïcha Ouédraogo: I trust them, but the coup changed everything. JEAN-BAPTISTE KONÉ DIALLO knows it.

Jean-Baptiste Koné Diallo: As aïcha ouédraogo says, we trust the partners less since the coup.

Zéphyrin N'Guessan: I am suspicious of everyone. Ask Marie-Claire Lefèvre.

Marie-Claire Lefèvre: Thank you all.
"""

SOLO = """
---
id: interview-abdoulaye
respondent: R-ABDOULAYE
name: Abdoulaye Issoufou Maïga
origin: Western
rank: senior officer
---
Interviewer: Do you trust them?

Abdoulaye Issoufou Maïga: I trust them. A coup is unlikely, said Aïcha Ouédraogo.

Interviewer: Why?

Abdoulaye Issoufou Maïga: The army stays in its barracks.
"""

SECRETS = ["focus-tillaberi", "FGT-01", "Marie-Claire Lefèvre", "Aïcha Ouédraogo",
           "FGT-AICHA", "Jean-Baptiste Koné Diallo", "FGT-JBKD", "Zéphyrin N'Guessan",
           "FGT-ZEPH", "interview-abdoulaye", "R-ABDOULAYE", "Abdoulaye Issoufou Maïga"]


@pytest.fixture
def named(project_dir: Path) -> Path:
    """A focus group whose speakers are named (accented, several words) and an interview
    with a name in its front matter, coded by the rules and by two coders."""
    write(project_dir / "codebook" / "codes.yaml", CODEBOOK)
    write(project_dir / "interviews" / "fg.md", FOCUS)
    write(project_dir / "interviews" / "solo.md", SOLO)
    proj = open_project(project_dir)
    proj.import_interviews()
    proj.autocode()
    for coder in ("ana", "ben"):
        proj.coder = coder
        proj.code("focus-tillaberi", "trust", quote="we trust the partners less")
        proj.code("interview-abdoulaye", "coup", quote="A coup is unlikely, said Aïcha "
                                                       "Ouédraogo.")
    return project_dir


def test_pseudonymized_report_holds_no_id_or_name(named: Path, tmp_path: Path):
    plain = tmp_path / "plain.html"
    run(named, "report", "-o", str(plain), "--by", "origin", "--include-suggestions")
    text = plain.read_text(encoding="utf-8")
    # without --pseudonymize the names are there: the check below can fail
    assert "Aïcha Ouédraogo" in text and "interview-abdoulaye" in text

    out = tmp_path / "pseudo.html"
    run(named, "report", "-o", str(out), "--by", "origin", "--include-suggestions",
        "--pseudonymize")
    html = out.read_text(encoding="utf-8")
    import html as htmllib

    visible = htmllib.unescape(re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "",
                                      html)).casefold()
    figures = htmllib.unescape(" ".join(svgs(html))).casefold()
    for secret in SECRETS:
        assert secret.casefold() not in visible, secret
        assert secret.casefold() not in figures, secret
    # the passages are still there, with their speakers pseudonymized
    doc = parse(html)
    quotes = [q.text_content() for q in doc.xpath("//blockquote")]
    assert any("we trust the partners less" in q for q in quotes)
    assert any(re.search(r"A coup is unlikely, said (case|anon)-\w+\.", q) for q in quotes)
    assert all(re.match(r"\s*\S.*\n\s*(case|anon)-[0-9a-f]+ · (doc|anon)-\w+ · ", q)
               for q in quotes), quotes
    assert "Pseudonymized:" in doc.xpath("//section[@id='methods']")[0].text_content()


def test_pseudonymized_report_covers_memo_text(named: Path, tmp_path: Path):
    proj = open_project(named, coder="ana")
    cid = int(proj.codings(coders=["ana"], codes=["coup"]).id.iloc[0])
    proj.memo("project", None, "Aïcha Ouédraogo (FGT-AICHA) spoke of interview-abdoulaye.")
    proj.memo("coding", str(cid), "R-ABDOULAYE quotes Aïcha Ouédraogo here.")
    proj.memo("case", "R-ABDOULAYE", "Abdoulaye Issoufou Maïga: retired.")
    plain = tmp_path / "plain.html"
    run(named, "report", "-o", str(plain), "--by", "origin")
    assert "spoke of interview-abdoulaye" in plain.read_text(encoding="utf-8")
    out = tmp_path / "pseudo.html"
    run(named, "report", "-o", str(out), "--by", "origin", "--pseudonymize")
    import html as htmllib

    html = out.read_text(encoding="utf-8")
    visible = htmllib.unescape(html).casefold()
    for secret in SECRETS:
        assert secret.casefold() not in visible, secret
    sec = parse(html).xpath("//section[@id='memos']")[0].text_content()
    assert re.search(r"(case|anon)-\w+ \((case|anon)-\w+\) spoke of (doc|anon)-\w+\.", sec)
    assert re.search(r"(case|anon)-\w+ quotes (case|anon)-\w+ here\.", sec)
    assert ": retired." in sec
    assert "pseudonymized like the passages" in parse(html).xpath(
        "//section[@id='methods']")[0].text_content()


def test_pseudonymized_report_refuses_to_group_by_a_name(named: Path, tmp_path: Path):
    res = CliRunner().invoke(app, ["-p", str(named), "report", "-o", str(tmp_path / "r.html"),
                                   "--by", "name", "--pseudonymize"])
    assert (res.exit_code, res.stderr) == (
        1, "Error: --by name: this attribute names people - a pseudonymized report cannot "
           "group by it\n")


# --- in a real browser --------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    pw = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_chromium_loads_it_with_no_console_error_and_no_request(example, browser,
                                                                 tmp_path: Path):
    _, out, _ = example
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    messages, requests, failed = [], [], []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(out.as_uri(), wait_until="load")
    assert [m for m in messages if m[0] in ("error", "pageerror", "warning")] == []
    assert [u for u in requests if not u.startswith("data:")] == [out.as_uri()]
    assert failed == []
    # every figure decoded and drawn
    sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, "
                                             "e.naturalWidth > 100])")
    assert sizes == [[True, True]] * 13
    page.screenshot(path=str(tmp_path / "shot.png"))
    assert (tmp_path / "shot.png").stat().st_size > 10_000
    page.close()


def test_print_to_pdf_holds_the_theme_tables(example, browser, tmp_path: Path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    _, out, _ = example
    page = browser.new_page()
    page.goto(out.as_uri(), wait_until="load")
    pdf = tmp_path / "study.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for title in ("Share of respondents by rank", "Share of respondents by phase",
                  "Share of respondents by origin", "Share of respondents by language"):
        assert title in text
    row = next(line for line in text.splitlines() if line.strip().startswith("Trust gap")
               and "57% (4)" in line)
    assert re.findall(r"\d+% \(\d+\)", row) == ["0% (0)", "40% (2)", "57% (4)", "36% (4)",
                                                "36% (10)"]
    # sections start on new pages: the ten sections take more pages than there are
    pages = text.count("\f")
    assert pages >= 10
    # the Memos section prints: a memo beside its passage, and the journal
    assert "11. Memos" in text and "12. Methods" in text
    assert "3. Thematic saturation" in text and "6. Words that distinguish groups" in text
    memo = next(line for line in text.splitlines() if "Classic 'last man standing'" in line)
    assert "Niger is really the last man standing" in memo  # the passage beside it
    assert "Week 1: first reading, NE-07 stands out." in text
