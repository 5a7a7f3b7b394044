"""The descriptive sections: codebook, corpus and methods."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.report.model import Cell, Section, Table
from qualcode.report.options import attributes

if TYPE_CHECKING:
    from qualcode.report.build import Context

MISSING = "(none)"
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
    """How the numbers were made: units, codings counted, tests, missing values, versions."""
    opts, units = ctx.options, ctx.units
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
        "Filter: " + (" and ".join(opts.where) + " (every filter must hold; values compare "
                      "case- and accent-insensitively). Co-occurrence, agreement and rule "
                      "quality use every document." if opts.where else "none."),
        "Groups: " + ("; ".join(" x ".join(g) for g in ctx.groupings) or "none") + ".",
    ]
    missing = [(a, int((units[a] == MISSING).sum())) for g in ctx.groupings for a in g
               if a in units]
    missing_txt = ", ".join(f"{a}: {n}" for a, n in dict(missing).items() if n)
    items.append(f"Missing attribute values: a respondent without a value forms the group "
                 f"\"{MISSING}\", shown and compared like any other group, and counts in "
                 f"All. Respondents without a value: {missing_txt or 'none'}.")
    items += [
        "Two groups: Fisher's exact test (two-sided); risk difference, first group minus "
        "second, with Newcombe's hybrid score 95% interval; Cramér's V.",
        "More groups: Pearson's chi-square; where an expected count is below 5, a "
        "Monte-Carlo permutation test of the same statistic (9,999 shuffles, fixed seed). "
        "Ordered attributes (qualcode.toml [order]): the linear-by-linear trend test over "
        "the declared levels (values outside the order are left out of that comparison).",
        "Multiple testing: Benjamini-Hochberg adjustment across all codes, within each "
        "attribute (p adj.). Comparisons with an adjusted p below .05 are marked.",
        "Co-occurrence: turns of respondent speech; a turn has a code when a counted coding "
        "overlaps it. Jaccard = turns with both / turns with either.",
        "Agreement: sentences of respondent speech in the documents every compared coder "
        "coded; per code yes/no; percent agreement, Cohen's kappa (Fleiss' for three or more "
        "coders) and Krippendorff's alpha; sub-codes roll up. Each coder's accepted codings.",
        "Rule quality: every suggestion the rules made (whatever its review status) against "
        "each human coder's accepted codings, per theme over sentences: precision, recall, "
        "F1 and Cohen's kappa.",
    ]
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
