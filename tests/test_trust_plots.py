"""Issue 12: figures say what they count (10); bad --plot paths and unwritable outputs are
one clear line (13)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.project import open_project

from .conftest import copy_example


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    root = copy_example(tmp_path_factory.mktemp("plots") / "sahel")
    proj = open_project(root)
    proj.import_interviews()
    proj.autocode(codes=["trust_gap", "coup_risk"])
    return root


def run(root: Path, *args: str):
    from qualcode.cli.app import app

    return CliRunner().invoke(app, ["--project", str(root), *args], catch_exceptions=False)


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch):
    """The figures the CLI draws, kept instead of written."""
    import qualcode.analysis.plots as plots

    drawn = []
    monkeypatch.setattr(plots, "save", lambda fig, path: drawn.append(fig))
    yield drawn
    import matplotlib.pyplot as plt

    for fig in drawn:
        plt.close(fig)


def texts(fig) -> str:
    """Every piece of text of a figure: titles, labels, tick labels, notes."""
    out = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        out.append(fig._suptitle.get_text())
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
    return "\n".join(out)


def test_compare_by_stratum_draws_one_labelled_panel_per_stratum(example, figures, tmp_path):
    res = run(example, "compare", "origin", "--by", "phase", "--plot", str(tmp_path / "c.png"))
    assert res.exit_code == 0, res.stderr
    [fig] = figures
    panels = [ax for ax in fig.axes if ax.get_yticklabels()]
    assert sorted(ax.get_title(loc="left") for ax in panels) == ["phase: post-coup",
                                                                 "phase: pre-coup"]
    for ax in panels:  # each code once per panel
        names = [t.get_text() for t in ax.get_yticklabels()]
        assert len(names) == len(set(names)) > 0
    assert "Trust gap" in texts(fig)
    title = fig._suptitle.get_text()
    assert "origin: Nigérien vs Western, within each phase" in title
    assert "share of respondents with at least one accepted coding" in title
    assert "suggestions not included" in texts(fig)


def test_compare_without_strata_is_one_panel_saying_what_it_counts(example, figures,
                                                                   tmp_path):
    res = run(example, "compare", "origin", "--include-suggestions", "--coders", "auto",
              "--plot", str(tmp_path / "c.png"))
    assert res.exit_code == 0, res.stderr
    [fig] = figures
    assert len([ax for ax in fig.axes if ax.get_yticklabels()]) == 1
    all_text = texts(fig)
    assert "accepted coding or unreviewed suggestion" in all_text
    assert "suggestions included" in all_text and "coders: auto" in all_text


def test_summary_heatmap_states_what_it_counts(example, figures, tmp_path):
    res = run(example, "summary", "--by", "origin", "--plot", str(tmp_path / "s.png"))
    assert res.exit_code == 0, res.stderr
    res = run(example, "summary", "--by", "origin", "--include-suggestions", "--coders",
              "amina,lukas", "--plot", str(tmp_path / "s.png"))
    assert res.exit_code == 0, res.stderr
    plain, with_suggestions = figures
    assert plain._suptitle.get_text() == ("Share of respondents with at least one accepted "
                                          "coding of the code")
    assert "suggestions not included (accepted codings only)" in texts(plain)
    assert "all coders" in texts(plain)
    assert with_suggestions._suptitle.get_text() == (
        "Share of respondents with at least one accepted coding or unreviewed suggestion "
        "of the code")
    assert "suggestions included" in texts(with_suggestions)
    assert "coders: amina, lukas" in texts(with_suggestions)
    ticks = [t.get_text() for t in plain.axes[0].get_xticklabels()]
    assert any(t.startswith("Western\n(n=") for t in ticks)
    assert "origin (n: respondents in the group)" in texts(plain)


def test_summary_counts_are_not_drawn_as_percentages(example, figures, tmp_path):
    res = run(example, "summary", "--unit", "segment", "--plot", str(tmp_path / "s.png"))
    assert res.exit_code == 0, res.stderr
    [fig] = figures
    assert fig._suptitle.get_text() == "Number of coded segments (accepted codings)"
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert cells and not any(c.endswith("%") for c in cells)


@pytest.mark.parametrize("name, message", [
    ("x.txt", "--plot {path}: .txt is not a figure format - end the file name with one of "),
    ("noext", "--plot {path}: no file suffix - end the file name with one of "),
    ("missing/x.png", "cannot write {path}: no folder {folder} - create it first"),
])
def test_bad_plot_path_is_one_line_before_any_work(example, tmp_path, monkeypatch, name,
                                                   message):
    import qualcode.project

    def no_analysis(*args, **kwargs):  # the path is checked before computing anything
        raise AssertionError("analysis ran before the --plot path was checked")

    monkeypatch.setattr(qualcode.project.Project, "summary", no_analysis)
    monkeypatch.setattr(qualcode.project.Project, "compare", no_analysis)
    path = tmp_path / name
    expected = "Error: " + message.format(path=path, folder=path.parent)
    for args in (["summary"], ["compare", "origin"]):
        res = run(example, *args, "--plot", str(path))
        assert res.exit_code == 1
        assert res.stderr.startswith(expected) and res.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json", "markdown"])
def test_export_to_a_full_device_is_cannot_write(example, fmt):
    res = run(example, "export", "codings", "-f", fmt, "-o", "/dev/full")
    assert (res.exit_code, res.stderr) == (
        1, "Error: cannot write /dev/full: No space left on device\n")


def test_every_writer_names_the_file_it_cannot_write(example, tmp_path):
    missing = tmp_path / "no" / "such"
    for args in (["export", "documents", "-f", "parquet"], ["export", "documents"],
                 ["status", "-f", "json"], ["codebook", "export"],
                 ["codebook", "export", "-f", "csv"]):
        res = run(example, *args, "-o", str(missing / "out.txt"))
        assert res.exit_code == 1, args
        assert res.stderr.startswith(f"Error: cannot write {missing / 'out.txt'}: "), args
        assert res.stderr.count("\n") == 1


def test_figure_to_a_full_device_is_cannot_write(example):
    from qualcode.analysis.plots import save, summary_heatmap
    from qualcode.errors import OutputError

    df = open_project(example).summary()
    with pytest.raises(OutputError, match="cannot write /dev/full: No space left on device"):
        save(summary_heatmap(df, []), Path("/dev/full"))


def test_init_in_a_read_only_folder_is_one_line(tmp_path, monkeypatch):
    from qualcode.cli.app import app

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    target = tmp_path / "new"
    res = CliRunner().invoke(app, ["init", str(target)], catch_exceptions=False)
    assert (res.exit_code, res.stderr) == (
        1, f"Error: cannot create {target / 'qualcode.toml'}: Permission denied - choose a "
           "folder you can write to\n")


def test_init_under_a_file_is_one_line(tmp_path):
    from qualcode.cli.app import app

    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(app, ["init", str(blocker / "new")], catch_exceptions=False)
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Error: cannot create {blocker / 'new' / 'qualcode.toml'}: "
                                 "Not a directory - choose a folder you can write to")
