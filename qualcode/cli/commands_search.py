"""Exploring the words: search (keyword in context, counts, code all hits) and words
(frequencies and keyness)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.output import Format, FormatOpt, OutputOpt, console, emit, info
from qualcode.cli.state import project as get_project

Where = Annotated[list[str] | None, typer.Option(
    "--where", help="Keep respondents matching ATTR=VALUE, ATTR!=VALUE or ATTR=A,B "
                    "(case- and accent-insensitive); repeatable.")]


INDEXING = "indexing the transcripts for search (once)"


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def search(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(
        help="A word or phrase (matched on lemmas, as a codebook rule), a regular "
             "expression with --regex, or a rule written as in the codebook: "
             "'{pattern: [...]}'.")] = None,
    exact: Annotated[bool, typer.Option("--exact", help="Match the words as written "
                                                        "(case ignored), not lemmas.")]
    = False,
    regex: Annotated[bool, typer.Option("--regex", help="QUERY is a regular expression "
                                                        "over the text (case ignored).")]
    = False,
    near: Annotated[str | None, typer.Option(
        "--near", help="Terms that must all occur in one sentence, comma-separated.")]
    = None,
    within: Annotated[int, typer.Option("--within", help="--near: at most N tokens apart.")]
    = 8,
    speaker: Annotated[str, typer.Option(help="respondent, interviewer or all.")]
    = "respondent",
    where: Where = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", help="Only hits inside passages coded X (its sub-codes too); "
                       "repeatable.")] = None,
    not_code: Annotated[list[str] | None, typer.Option(
        "--not-code", help="Only hits outside every passage coded X; repeatable.")] = None,
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="Only these documents; repeatable.")] = None,
    context: Annotated[int, typer.Option(help="Words of context on each side.")] = 5,
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Count hits per group of this attribute (or 'document') instead of "
                     "listing them; repeatable.")] = None,
    code_as: Annotated[str | None, typer.Option(
        "--code-as", help="Add every hit as a suggestion of CODE (review --source "
                          "search).")] = None,
    unit: Annotated[str, typer.Option(help="--code-as: code the match, its sentence or "
                                           "its turn.")] = "match",
    accept: Annotated[bool, typer.Option(
        "--accept", help="--code-as: store the hits as your own codings, not "
                         "suggestions.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="--code-as: count, write "
                                                            "nothing.")] = False,
    undo: Annotated[int | None, typer.Option(
        "--undo", help="Take back search run N (its number is printed by --code-as).")]
    = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Find a word or phrase in the transcripts: keyword in context, counts, code all hits.

    By default the respondents' speech is searched on lemmas, with the codebook's own
    matcher, so a query can be pasted into the codebook as a rule. --code-as CODE adds
    every hit as a suggestion to review (review --source search), or with --accept as
    your own codings; a span already coded CODE is never coded twice; --undo N takes it
    back.
    In Python: project.search("sovereignty"), project.search_counts(..., by=["origin"]),
    project.search_code(..., code="x")
    """
    from qualcode.errors import UsageError

    proj = get_project(ctx)
    if undo is not None:
        counts = proj.undo_search(undo)
        info(f"search run #{undo} undone: removed {counts['removed']} coding(s), kept "
             f"{counts['kept']} someone decided since")
        return
    if (accept or dry_run or unit != "match") and not code_as:
        raise UsageError("--accept, --dry-run and --unit go with --code-as CODE")
    if by and code_as:
        raise UsageError("--by counts hits; --code-as codes them: give one of them")
    options = dict(exact=exact, regex=regex, near=_split(near), within=within,
                   speaker=speaker, where=where, codes=code, not_codes=not_code,
                   documents=document, context=context)
    from qualcode.cli.progress import progress_bar
    from qualcode.search.query import parse_query

    described = parse_query(query, exact, regex, _split(near), within)
    what = (f"{described.describe()!r} ({described.mode}, {speaker} speech"
            + (f", {', '.join(where)}" if where else "") + ")")
    if by:
        with progress_bar(INDEXING) as bar:
            df = proj.search_counts(query, by=by, progress=bar, **options)
        if int(df.hits.sum()) == 0:
            info(f"no match for {what}")
            if fmt == Format.table and output is None:
                return
        emit(df, fmt, output, title=f"Hits of {described.describe()!r} by {', '.join(by)}")
        return
    if code_as:
        with progress_bar(INDEXING) as bar:
            res = proj.search_code(query, code_as, unit=unit, accept=accept,
                                   dry_run=dry_run, progress=bar, **options)
        if not res.hits:
            info(f"no match for {what} - nothing coded")
            return
        verb = "would add" if dry_run else "added"
        kind = f"codings by {proj.coder}" if accept else "suggestions (review --source search)"
        info(f"{res.hits} hit(s): {verb} {res.added} {kind} of {code_as} ({unit}); "
             f"{res.already} already coded {code_as}"
             + (f"; undo with: qualcode search --undo {res.run}" if res.run else ""))
        return
    with progress_bar(INDEXING) as bar:
        df = proj.search(query, progress=bar, **options)
    if df.empty:
        info(f"no match for {what}")
        if fmt == Format.table and output is None:
            return
    if fmt != Format.table or output is not None:
        emit(df, fmt, output)
        return
    _print_hits(df, described)


def _print_hits(df, query) -> None:  # noqa: ANN001
    from rich.table import Table
    from rich.text import Text

    docs = df.document.nunique()
    table = Table(title=f"{len(df)} hit(s) of {query.describe()!r} in {docs} document(s)")
    table.add_column("document")
    table.add_column("speaker")
    table.add_column("left", justify="right", style="dim", ratio=3)
    table.add_column("hit", style="bold yellow")
    table.add_column("right", style="dim", ratio=3)
    for r in df.itertuples():
        table.add_row(str(r.document), str(r.speaker), Text(r.left), Text(r.hit),
                      Text(r.right))
    console().print(table)
    rule = query.as_rule()
    if rule:
        info(f"as a codebook rule: {rule}")


def words(
    ctx: typer.Context,
    by: Annotated[str | None, typer.Option(
        "--by", help="Compare the groups of this attribute: keyness of each lemma.")]
    = None,
    groups: Annotated[str | None, typer.Option(
        help="--by: only these groups, comma-separated (the first against the second).")]
    = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", help="Only words inside passages coded X (its sub-codes too).")] = None,
    where: Where = None,
    top: Annotated[int, typer.Option(help="How many lemmas (per group with --by).")] = 20,
    min_count: Annotated[int, typer.Option(
        help="--by: test only lemmas seen at least N times in the groups compared.")] = 5,
    plot: Annotated[Path | None, typer.Option("--plot", help="Also draw a bar chart to "
                                                             "FILE.png.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Word frequencies of respondent speech, and which words distinguish groups.

    Lemmas without stop words (spaCy's for each language plus stop_words in
    qualcode.toml). With --by, for two groups the keyness of each lemma: log-likelihood
    G2 (Rayson & Garside 2000), log ratio (effect size, log2 of the ratio of relative
    frequencies), BH-adjusted p; for more groups each group against the rest.
    In Python: project.words(by="origin")
    """
    if plot:
        from qualcode.analysis.plots import check_figure_path

        check_figure_path(plot)
    from qualcode.cli.progress import progress_bar

    proj = get_project(ctx)
    with progress_bar(INDEXING) as bar:
        df = proj.words(by=by, codes=code, where=where, top=top, min_count=min_count,
                        groups=_split(groups), progress=bar)
    if df.empty:
        info("no words to count" + (f" inside {', '.join(code)}" if code else "")
             + (f" with at least {min_count} occurrences" if by else ""))
        if fmt == Format.table and output is None:
            return
    if plot and not df.empty:
        from qualcode.analysis.plots import save, words_bars

        save(words_bars(df, by), plot)
        info(f"wrote {plot}")
    title = (f"Words that distinguish {by} groups" if by else "Most frequent lemmas")
    emit(df, fmt, output, title=title,
         caption="G2: log-likelihood; log_ratio > 0: more frequent in the group" if by
         else "respondent speech, stop words left out")


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("words")(words)
