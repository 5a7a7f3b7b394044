"""`qualcode train`: learn suggestions from the coders' decisions, with honest quality."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.output import Format, FormatOpt, OutputOpt, emit, info
from qualcode.cli.state import project as get_project


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _cell(p: float, r: float, f: float) -> str:
    """Precision / recall / F1 in percent, e.g. 58/28/37 (- when undefined)."""
    return "/".join("-" if v != v else f"{100 * v:.0f}" for v in (p, r, f))


def train(
    ctx: typer.Context,
    codes: Annotated[str | None, typer.Option(
        "--codes", help="Only these codes and their sub-codes (comma-separated; default: "
                        "the whole codebook).")] = None,
    coders: Annotated[str | None, typer.Option(
        "--coders", help="Learn from these coders' decisions (comma-separated; default: "
                         "every human coder).")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Learn suggestions from the coders' decisions; print cross-validated quality.

    Positives: respondent sentences under an accepted coding (manual, imported or an
    accepted suggestion), for the code and its ancestors; negatives: the other
    respondent sentences of documents a coder coded, and rejected suggestions.
    Quality is cross-validated by document (thresholds chosen on training documents
    only): precision, recall and F1 of the rules, the model and both. Codes with fewer
    than 8 coded sentences are reported, not predicted. The model and its card go to
    .qualcode/models/. Everything runs offline.
    In Python: project.train(codes=[...], coders=[...])
    """
    proj = get_project(ctx)
    res = proj.train(codes=_split(codes), coders=_split(coders))
    card = res.card
    done = [c for c, v in card["codes"].items() if v["predicted"]]
    info(f"trained on {card['sentences']} sentences of {card['documents']} documents "
         f"({', '.join(card['coders'])}); the model predicts {len(done)} of "
         f"{len(card['codes'])} codes; saved in {res.path}")
    if fmt != Format.table or output is not None:
        emit(res.table, fmt, output)
        return
    t = res.table
    rows = [{"code": r["code"], "coded": r["positives"],
             "predicted": _short(r["status"]),
             **{s: _cell(r[f"{s}_precision"], r[f"{s}_recall"], r[f"{s}_f1"])
                for s in ("rules", "model", "both", "codebook")}}
            for r in t.to_dict("records")]
    emit(rows, fmt, None, title="Quality by grouped cross-validation (documents)",
         caption="precision/recall/F1 in percent over sentences; coded = sentences coded "
                 "with the code; both = rules or model; codebook = autocode --source "
                 "codebook (no training: on all coded sentences)")


def _short(status: str) -> str:
    if status == "predicted":
        return "yes"
    return "no: too few" if "positives" in status else "no: weak"


def register(app: typer.Typer) -> None:
    app.command("train")(train)
