"""The CLI as a user meets it: exact messages and exit codes, formats, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, write
from .test_import import DOC


def test_not_a_project_is_one_line_and_exit_1(cli, tmp_path: Path):
    res = cli("status", project=tmp_path)
    assert res.exit_code == 1
    assert res.stderr == (f"Error: {tmp_path}: not a qualcode project (no qualcode.toml) - run "
                          "qualcode init DIR, or pass --project DIR\n")
    res = cli("status", project=tmp_path / "missing")
    assert res.stderr.startswith(f"Error: {tmp_path / 'missing'}: no such folder")


def test_init_creates_a_working_project_and_refuses_to_overwrite(cli, tmp_path: Path):
    target = tmp_path / "new"
    res = cli("init", str(target), project=None)
    assert res.exit_code == 0
    assert (target / "qualcode.toml").is_file()
    assert (target / ".gitignore").read_text() == ".qualcode/\n"
    assert cli("import", project=target).exit_code == 0
    assert cli("codebook", "validate", project=target).exit_code == 0
    res = cli("init", str(target), project=None)
    assert (res.exit_code, res.stderr) == (1, f"Error: {target} is already a qualcode project "
                                              "(qualcode.toml exists)\n")


def test_usage_error_exits_2(cli):
    res = cli("no-such-command")
    assert res.exit_code == 2
    assert "No such command 'no-such-command'" in res.stderr


def test_invalid_codebook_validate_lists_every_problem_others_the_first(cli,
                                                                         project_dir: Path):
    write(project_dir / "codebook" / "codes.yaml",
          "codes:\n  - id: A\n    name: x\n  - id: b\n    name: y\n    color: red\n")
    res = cli("codebook", "validate")
    assert res.exit_code == 1
    assert res.stderr == (
        "Error: codebook/codes.yaml:2: code A: id: must match [a-z][a-z0-9_]* (lower case, "
        "digits, underscores)\n"
        "Error: codebook/codes.yaml:4: code b: color: bad colour 'red': use #rgb or #rrggbb\n")
    res = cli("autocode", "--dry-run")
    assert res.exit_code == 1
    assert res.stderr == ("Error: codebook/codes.yaml:2: code A: id: must match [a-z][a-z0-9_]* "
                          "(lower case, digits, underscores) (and 1 more problem(s): qualcode "
                          "codebook validate lists them all)\n")


def test_invalid_rule_names_file_code_and_rule(cli, project_dir: Path):
    write(project_dir / "codebook" / "codes.yaml",
          "codes:\n  - id: a\n    name: A\n    rules:\n      en:\n"
          "        - {pattern: [{LEMMA: x, NOPE: 1}]}\n")
    res = cli("codebook", "validate")
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: codebook/codes.yaml:6: code a: rule a.en.1 (pattern "
                                 "[{'LEMMA': 'x', 'NOPE': 1}]): invalid token pattern")
    assert res.stderr.count("\n") == 1


def test_import_status_and_export_formats(cli, project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    res = cli("import", "--format", "csv")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[:2] == ["what,count", "documents added,1"]
    status = json.loads(cli("status", "-f", "json").stdout)
    assert {"what": "documents", "value": "1"} in status
    docs = cli("export", "documents", "-f", "json").stdout
    assert json.loads(docs)[0] | {"text": None} == {
        "document": "D1", "case": "R1", "cases": "R1", "language": "en",
        "path": "interviews/d1.md",
        "words": 29, "respondent_words": 17, "origin": "Western", "rank": "senior officer",
        "text": None}
    md = cli("export", "documents", "-f", "markdown").stdout
    assert md.startswith("| document | case | cases | language |")


def test_export_codings_columns_and_parquet(cli, project_dir: Path, tmp_path: Path):
    import pandas as pd

    write(project_dir / "interviews" / "d1.md", DOC)
    assert cli("import").exit_code == 0
    assert cli("autocode").exit_code == 0
    out = tmp_path / "c.parquet"
    assert cli("export", "codings", "-f", "parquet", "-o", str(out)).exit_code == 0
    df = pd.read_parquet(out)
    for col in ("document", "case", "speaker", "code", "start", "end", "text", "coder",
                "origin", "status"):
        assert col in df.columns
    assert set(df.speaker) == {"R1"}
    res = cli("export", "codings", "-f", "parquet")
    assert (res.exit_code, res.stderr) == (1, "Error: parquet is binary - give an output "
                                              "file with -o FILE\n")


def test_pseudonymized_export_hides_ids(cli, project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC.replace("I think.", "R1 said so."))
    cli("import")
    rows = json.loads(cli("export", "documents", "-f", "json", "--pseudonymize").stdout)
    assert rows[0]["document"].startswith("doc-") and rows[0]["case"].startswith("case-")
    assert "path" not in rows[0]
    assert "R1" not in rows[0]["text"] and rows[0]["case"] in rows[0]["text"]


def test_writing_without_a_coder_is_an_error(cli, project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    cli("import")
    res = cli("autocode", "--accept")
    assert (res.exit_code, res.stderr) == (1, 'Error: no coder set - pass --coder NAME, set '
                                              'QUALCODE_CODER, or add coder = "NAME" to '
                                              "qualcode.toml\n")


def test_console_script_never_prints_a_traceback(tmp_path: Path):
    res = subprocess.run([sys.executable, "-m", "qualcode", "-p", str(tmp_path), "status"],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1


def test_help_does_not_import_heavy_libraries():
    code = ("import sys, contextlib, io\nfrom qualcode.cli.app import app\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: app(['--help'])\n    except SystemExit: pass\n"
            "print(sorted(m for m in ('spacy','pandas','scipy','sqlalchemy','numpy','pydantic')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_status_does_not_import_spacy_pandas_or_scipy(project_dir: Path):
    code = ("import sys\nfrom qualcode.cli.app import app\n"
            f"try: app(['-p', {str(project_dir)!r}, 'status'])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in ('spacy','pandas','scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_cli_reference_in_docs_matches_help():
    from qualcode.cli.reference import render_reference

    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert doc == render_reference(), (
        "docs/cli.md is out of date: python -m qualcode.cli.reference > docs/cli.md")


def test_every_command_has_help_text():
    import typer.main

    from qualcode.cli.app import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="qualcode")
    for name in root.list_commands(ctx):
        cmd = root.get_command(ctx, name)
        assert (cmd.help or "").strip(), f"qualcode {name} has no help text"


def test_usage_mistakes_are_one_line_with_status_2(tmp_path):
    import subprocess
    import sys

    for args, message in ((["sumary"], "Error: No such command 'sumary'. Did you mean "
                                       "'summary'? - see qualcode --help"),
                          (["summary", "--byy", "role"], "Error: No such option: --byy "
                           "(Possible options: --by) - see qualcode summary --help"),
                          (["excerpts"], "Error: Missing option '--code'. - see qualcode "
                                         "excerpts --help")):
        res = subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True,
                             text=True, cwd=tmp_path)
        assert (res.returncode, res.stderr.strip(), res.stderr.count("\n")) == (2, message, 1)
    res = subprocess.run([sys.executable, "-m", "qualcode"], capture_output=True, text=True,
                         cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("Usage: qualcode")
