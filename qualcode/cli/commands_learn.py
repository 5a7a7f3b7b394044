"""`qualcode train`: learn suggestions from the coders' decisions, with honest quality."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.output import Format, FormatOpt, OutputOpt, emit, info
from qualcode.cli.state import project as get_project

if TYPE_CHECKING:
    import pandas as pd


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
    show: Annotated[str, typer.Option(
        "--table", help="Which table -f/-o write: quality (per code), agreement (model, "
                        "rules and coders against each coder) or reliability (calibration "
                        "bins).")] = "quality",
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
    from qualcode.errors import UsageError

    if show not in TABLES:
        raise UsageError(f"--table {show} is not a table of train - one of "
                         f"{', '.join(TABLES)}")
    proj = get_project(ctx)
    res = proj.train(codes=_split(codes), coders=_split(coders))
    card = res.card
    done = [c for c, v in card["codes"].items() if v["predicted"]]
    info(f"trained on {card['sentences']} sentences of {card['documents']} documents "
         f"({', '.join(card['coders'])}); the model predicts {len(done)} of "
         f"{len(card['codes'])} codes; saved in {res.path}")
    if fmt != Format.table or output is not None:
        emit({"quality": res.table, "agreement": res.agreement,
              "reliability": res.reliability}[show], fmt, output)
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
    wide = agreement_rows(res.agreement, [c for c, v in card["codes"].items()
                                          if v["positives"] >= card["min_positives"]])
    if wide:
        emit(wide, fmt, None, title="How far from a second coder (sentences, kappa/alpha)",
             caption="coders: each pair of coders; rules, model and both against each "
                     "coder, the model's out-of-fold predictions (documents it did not "
                     "learn from); codes with enough coded sentences to train (all: "
                     "--table agreement -f csv)")
    cal = card.get("calibration") or {}
    if cal.get("ece") is not None:
        info(f"scores are calibrated probabilities (Platt): cross-validated expected "
             f"calibration error {cal['ece']:.3f} (uncalibrated {cal['ece_uncalibrated']:.3f}),"
             f" Brier {cal['brier']:.3f} - qualcode train --table reliability -f markdown")


TABLES = ("quality", "agreement", "reliability")


def agreement_rows(agreement: pd.DataFrame | None, codes: list[str]) -> list[dict]:
    """One row per code: kappa/alpha of each coder pair, then of rules, model and both
    against each coder (the printed form of TrainResult.agreement)."""
    if agreement is None or not len(agreement):
        return []
    sources = ("rules", "model", "both")
    order = {s: i for i, s in enumerate(sources)}
    ranked = agreement.assign(rank=agreement["source"].map(order).fillna(-1))
    ranked = ranked.sort_values(["rank", "source", "coder"], kind="stable")
    return [{"code": code, **{f"{r.source}~{r.coder}": _pair(r.kappa, r.alpha)
                              for r in ranked[ranked["code"] == code].itertuples(index=False)}}
            for code in codes]


def _pair(kappa: float, alpha: float) -> str:
    return "/".join("-" if v != v else f"{v:.2f}" for v in (kappa, alpha))


def _short(status: str) -> str:
    if status == "predicted":
        return "yes"
    return "no: too few" if "positives" in status else "no: weak"


def register(app: typer.Typer) -> None:
    app.command("train")(train)
