"""The exploration notebook runs end to end on a copy of the example study, and produces
the tables and figures it promises. Committed notebooks carry no outputs."""

from __future__ import annotations

import json

import pytest

from .conftest import REPO, copy_example

NOTEBOOK = REPO / "notebooks" / "explore.ipynb"


def test_committed_notebook_has_no_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory):
    import nbformat
    from nbclient import NotebookClient

    root = copy_example(tmp_path_factory.mktemp("nb") / "sahel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    import os

    os.environ["QUALCODE_PROJECT"] = str(root)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(root)}}).execute()
    finally:
        del os.environ["QUALCODE_PROJECT"]
    return nb


def outputs(nb, kind: str) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if kind in data:
                found.append(data[kind])
            elif kind == "text/plain" and out.get("output_type") == "stream":
                found.append(out["text"])
    return found


def test_notebook_tells_the_story(executed):
    html = "\n".join(outputs(executed, "text/html"))
    text = "\n".join(outputs(executed, "text/plain"))
    assert "26 transcripts;" in text and "'amina': 74" in text and "'lukas': 68" in text
    # the codebook renders as a tree with its four themes
    assert html.count("<li>") >= 15 and "Populist mistrust" in html
    # rule quality, summary, comparison, agreement tables are there
    for needle in ("precision", "recall", "Nigérien", "risk_difference", "trend_z",
                   "percent_agreement", "(overall)"):
        assert needle in html, needle
    # excerpts show highlighted passages
    assert html.count("<mark>") >= 3
    # rules vs model vs both, and the learning curve
    assert "model_f1" in html and "coded documents" in html
    # heatmap, forest plot and co-occurrence figures render inline
    assert len(outputs(executed, "image/png")) >= 3
    errors = [o for c in executed.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
