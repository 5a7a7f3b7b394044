"""The descriptive sections: codebook, corpus and methods."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.analysis.units import MISSING
from qualcode.report.model import Cell, Section, Table
from qualcode.report.options import attributes

if TYPE_CHECKING:
    from qualcode.report.build import Context

CORPUS_MAX_GROUPS = 12
PACKAGES = ("qualcode", "pandas", "numpy", "scipy", "krippendorff", "spacy", "sqlalchemy",
            "jinja2")


@dataclass
class CodeEntry:
    id: str
    name: str
    color: str
    depth: int
    description: str
    include: str
    exclude: str
    examples: list[str]
    rules: int


def codebook_section(ctx: Context) -> Section:
    """The codebook as a tree: colour, name, id, definition, examples, rule count."""
    book = ctx.project.codebook
    sec = Section("codebook", "Codebook")
    entries = [CodeEntry(c.id, c.name, c.color or "#999999", depth, c.description.strip(),
                         c.include.strip(), c.exclude.strip(), list(c.examples),
                         sum(len(r) for r in c.rules.values()))
               for c, _, depth in book.walk()]
    if not entries:
        sec.empty = "The codebook has no codes yet - add them to codebook/*.yaml."
        return sec
    sec.p(f"{book.codebook or 'Codebook'}, version {book.version}: {len(book.codes)} "
          f"theme(s) and {len(entries) - len(book.codes)} sub-code(s). A sub-code's codings "
          "count for its theme too.")
    sec.add("tree", entries)
    log = ctx.project.codebook_history()
    if not log.empty:
        table = Table(["when", "coder", "change", "what", "codings"], [],
                      caption="Changes to the codebook (qualcode codebook rename, merge, move, "
                              "split, retire; undone ones struck out)",
                      command="qualcode codebook history", name="codebook-log", compact=True)
        for r in log.to_dict("records"):
            what = str(r["summary"]) + (" (undone)" if r["undone"] else "")
            table.rows.append([Cell(f"{r['at']:%Y-%m-%d %H:%M}"), Cell(str(r["coder"] or "")),
                               Cell(str(r["change"])), Cell(what),
                               Cell(str(int(r["codings"])), int(r["codings"]),
                                    {"t": "codebook-log", "id": str(r["id"])},
                                    numeric=True)])
        sec.add("table", table)
    return sec


def corpus_section(ctx: Context) -> Section:
    """Documents, respondents and words by each attribute with a handful of values."""
    sec = Section("corpus", "Corpus")
    units, docs = ctx.units, ctx.documents
    if docs.empty:
        sec.empty = "No documents are imported - put transcripts in interviews/ and run " \
                    "qualcode import."
        return sec
    where = (f" matching {' and '.join(ctx.options.where)}" if ctx.options.where else "")
    sec.p(f"{units.document.nunique()} document(s) and {len(units)} respondent(s){where}, "
          f"who speak {int(units.words.sum()):,} words (interviewer speech excluded). "
          "A respondent is a person within a document; each speaker of a focus group is "
          "one respondent.")
    shown = [a for a in attributes(units) if a not in ctx.hidden_attributes
             and 1 <= units[a].nunique() <= CORPUS_MAX_GROUPS]
    for attr in shown:
        g = units.groupby(attr, dropna=False)
        table = Table(["value", "documents", "respondents", "words"], [],
                      caption=f"By {attr}", name=f"corpus-{attr}", compact=True)
        for value in ctx.order(attr, list(g.groups)):
            part = units[units[attr] == value]
            keys = {"t": "corpus", "attr": attr, "g": str(value)}
            table.rows.append([
                Cell(str(value)),
                Cell(str(part.document.nunique()), part.document.nunique(),
                     {**keys, "f": "documents"}, numeric=True),
                Cell(str(len(part)), len(part), {**keys, "f": "respondents"}, numeric=True),
                Cell(f"{int(part.words.sum()):,}", int(part.words.sum()),
                     {**keys, "f": "words"}, numeric=True)])
        sec.add("table", table)
    skipped = [a for a in attributes(units) if a not in shown]
    if skipped:
        sec.p(f"Not tabulated (more than {CORPUS_MAX_GROUPS} values, or identifying): "
              f"{', '.join(skipped)}.")
    return sec


def _filter_sentence(ctx: Context) -> str:
    where = ctx.options.where
    if not where:
        return "Filter: none."
    ran = {"cooccur": "unit", "agreement": "coders", "quality": "coders"}
    names = {"cooccur": "co-occurrence", "agreement": "agreement", "quality": "rule quality"}
    unfiltered = [names[k] for k, fact in ran.items() if fact in ctx.methods.get(k, {})]
    text = (f"Filter: {' and '.join(where)} (every filter must hold; values compare case- "
            "and accent-insensitively).")
    if unfiltered:
        text += f" {_join(unfiltered).capitalize()} use every document."
    return text


def _missing_sentence(ctx: Context) -> str:
    attrs = list(dict.fromkeys(a for g in ctx.groupings for a in g if a in ctx.units))
    counts = {a: int((ctx.units[a] == MISSING).sum()) for a in attrs}
    found = ", ".join(f"{a}: {n}" for a, n in counts.items() if n)
    compared = bool(ctx.methods.get("compare", {}).get("attributes"))
    if ctx.options.include_missing:
        how = (f"a respondent without a value forms the group \"{MISSING}\", shown in the "
               "theme tables" + (" and compared like any other group" if compared else "")
               + ", and counts in All.")
    else:
        how = (f"a respondent without a value forms the group \"{MISSING}\" in the theme "
               "tables and counts in All" + (
                   "; the comparisons leave them out (the count is noted under each table; "
                   "--include-missing compares them as a group)." if compared else "."))
    return f"Missing attribute values: {how} Respondents without a value: {found or 'none'}."


def _compare_sentences(compared: list[dict]) -> list[str]:
    """The tests the comparisons ran, with their parameters (from analysis constants)."""
    from qualcode.analysis.compare import CONFIDENCE, MIN_EXPECTED
    from qualcode.analysis.stats import PERMUTATION_SEED, PERMUTATIONS
    from qualcode.report.analyses import SIGNIFICANT

    if not compared:
        return ["Group comparisons: none in this report (no attribute with two or more "
                "groups to compare)."]

    def having(test: str) -> list[str]:
        return [c["attr"] for c in compared if test in c["tests"]]

    out = []
    if two := having("fisher"):
        out.append(f"Two groups ({', '.join(two)}): Fisher's exact test (two-sided); risk "
                   f"difference, first group minus second, with Newcombe's hybrid score "
                   f"{CONFIDENCE:.0%} interval; Cramér's V.")
    more = list(dict.fromkeys(having("chi-square") + having("permutation")))
    if more:
        text = (f"More groups ({', '.join(more)}): Pearson's chi-square without continuity "
                "correction")
        if perm := having("permutation"):
            text += (f"; where an expected count is below {MIN_EXPECTED} ({', '.join(perm)}), "
                     f"a Monte-Carlo permutation test of the same statistic "
                     f"({PERMUTATIONS:,} shuffles, seed {PERMUTATION_SEED}, so the same on "
                     "every run)")
        out.append(text + "; Cramér's V.")
    if trend := [c for c in compared if c["trend"]]:
        text = (f"Ordered attributes ({', '.join(c['attr'] for c in trend)}; qualcode.toml "
                "[order]): the linear-by-linear trend test over the declared levels.")
        if outside := [c for c in trend if c["left_out"]]:
            text += " Left out, outside the declared order: " + "; ".join(
                f"{c['attr']}: {', '.join(c['left_out'])}" for c in outside) + "."
        out.append(text)
    out.append("Multiple testing: Benjamini-Hochberg adjustment across the codes compared, "
               f"within each attribute (p adj.). Adjusted p below {SIGNIFICANT:g} is marked.")
    return out


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _versions() -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, version

    out = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def _codings_table(ctx: Context) -> Table:
    """Codings by coder, origin and status, and whether the report counts them."""
    opts = ctx.options
    c = ctx.codings
    table = Table(["coder", "origin", "status", "codings", "counted"], [],
                  caption="Codings in the store and which the analyses count",
                  name="codings")
    if c.empty:
        return table
    orphaned = c.anchor.astype(str).eq("orphaned")
    for (coder, origin, status), part in c.groupby(["coder", "origin", "status"], sort=True):
        live = part[~orphaned.loc[part.index]]
        counted = (status == "accepted" or (status == "suggested" and opts.include_suggestions)
                   ) and (not opts.coders or coder in opts.coders)
        note = "yes" if counted else "no"
        if counted and len(live) < len(part):
            note = f"yes, except {len(part) - len(live)} orphaned"
        table.rows.append([Cell(str(coder)), Cell(str(origin)), Cell(str(status)),
                           Cell(str(len(part)), len(part), {"t": "codings", "coder": str(coder),
                                                            "status": str(status)},
                                numeric=True),
                           Cell(note)])
    return table


def methods_section(ctx: Context) -> Section:
    """How the numbers were made, each sentence from the options used and from what the
    sections above recorded they computed (Context.did): units, codings counted, filter,
    groups, missing values, the tests that ran, co-occurrence, agreement, rule quality."""
    opts, units, done = ctx.options, ctx.units, ctx.methods
    sec = Section("methods", "Methods")
    statuses = "accepted codings (manual codings and reviewed suggestions)"
    if opts.include_suggestions:
        statuses += " and unreviewed auto-coding suggestions"
    who = ", ".join(opts.coders) if opts.coders else "every coder"
    items = [
        f"Units: respondents - a person within a document, with the document's attributes "
        f"overridden by their own in focus groups; {len(units)} respondent(s) in "
        f"{units.document.nunique()} document(s). Only respondent speech counts; interviewer "
        "turns and text before the first turn never count as evidence.",
        f"Codings counted: {statuses}, by {who}. Rejected and orphaned codings never count. "
        "A respondent has a code when at least one counted coding of the code or of one of "
        "its sub-codes starts in their speech.",
        _filter_sentence(ctx),
        "Groups: " + ("; ".join(" x ".join(g) for g in ctx.groupings) or "none") + ".",
    ]
    if ctx.groupings:
        items.append(_missing_sentence(ctx))
    items += _compare_sentences(done.get("compare", {}).get("attributes", []))
    if done.get("words", {}).get("attributes"):
        w = done["words"]
        items.append(f"Words that distinguish groups ({_join(w['attributes'])}): lemmas of "
                     "respondent speech (spaCy's lookup lemmas; stop words of each language "
                     "and of qualcode.toml, punctuation and numbers left out), counted per "
                     "group; for two groups the first against the second, for more each "
                     "against the rest. Log-likelihood G2 (Rayson & Garside 2000) on the "
                     "lemma's frequencies and the groups' word counts, p from chi-square "
                     "with 1 df, BH-adjusted over the lemmas tested; effect size: log ratio "
                     "(log2 of the ratio of relative frequencies, a zero read as 0.5). Only "
                     f"lemmas seen at least {w['min_count']} times are tested; the "
                     f"{w['top']} highest G2 per group are shown.")
    if "cooccur" in done:
        items.append(f"Co-occurrence: {done['cooccur']['unit']}s of respondent speech; a "
                     f"{done['cooccur']['unit']} has a code when a counted coding overlaps it. "
                     f"Jaccard = {done['cooccur']['unit']}s with both / "
                     f"{done['cooccur']['unit']}s with either.")
    if "coders" in done.get("agreement", {}):
        coders, unit = done["agreement"]["coders"], done["agreement"]["unit"]
        kappa = "Fleiss' kappa" if len(coders) > 2 else "Cohen's kappa"
        items.append(f"Agreement of {_join(coders)}: {unit}s of respondent speech in the "
                     f"documents every one of them coded; per code yes/no; percent agreement, "
                     f"{kappa} and Krippendorff's alpha; sub-codes roll up. Each coder's "
                     "accepted codings.")
    if "coders" in done.get("quality", {}):
        q = done["quality"]
        items.append(f"Rule quality: every suggestion the rules made (whatever its review "
                     f"status) against the accepted codings of {_join(q['coders'])}, per "
                     f"theme over {q['unit']}s: precision, recall, F1 and Cohen's kappa."
                     + (" The learned model's quality is read from its card (grouped "
                        "cross-validation by document)." if q.get("model") else ""))
    if "memos" in done:
        m = done["memos"]
        items.append(f"Memos: {m['count']} memo(s) by {_join(m['authors'])}, "
                     f"{m['journal']} in the project journal, {m['edited']} edited (each "
                     "shown with its latest text; earlier texts are kept in the store)"
                     + ("; pseudonymized like the passages." if opts.pseudonymize else "."))
    if "saturation" in done:
        from qualcode.report.saturation import methods_sentence

        items.append(methods_sentence(done["saturation"]))
    if opts.pseudonymize:
        items.append("Pseudonymized: document ids, respondent ids, speaker labels and "
                     "name-like front-matter values are replaced by keyed pseudonyms "
                     "everywhere, passages included. Names spoken inside a passage that are "
                     "none of these are not detected.")
    sec.add("list", items)
    sec.add("table", _codings_table(ctx))
    versions = Table(["software", "version"], [[Cell(n), Cell(v)] for n, v in _versions()],
                     caption="Software", name="versions", compact=True)
    dialect = ctx.project.db_url.split(":", 1)[0].split("+", 1)[0]
    versions.rows.append([Cell("store"), Cell(dialect)])
    sec.add("table", versions)
    return sec
