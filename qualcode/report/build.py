"""Gather what a report needs through the Project API, then render and write it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import UsageError
from qualcode.report.options import (
    ReportOptions,
    attributes,
    default_by,
    identifying,
    is_name_attribute,
)
from qualcode.report.pseudo import Pseudonymizer, pseudonymizer

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Code
    from qualcode.project import Project


@dataclass
class Context:
    """Everything the sections share: the project, the options and the frames read once."""

    project: Project
    options: ReportOptions
    documents: pd.DataFrame
    all_units: pd.DataFrame
    units: pd.DataFrame  # respondents matching --where
    codings: pd.DataFrame
    groupings: list[list[str]]
    pseudo: Pseudonymizer = field(default_factory=Pseudonymizer)
    # what each analytic section did, as it did it: the methods section reads these
    methods: dict[str, dict] = field(default_factory=dict)

    @cached_property
    def book(self) -> dict[str, tuple[Code, int]]:
        """Every code by id, with its depth in the tree (codebook order)."""
        return {c.id: (c, depth) for c, _, depth in self.project.codebook.walk()}

    @property
    def themes(self) -> list[str]:
        return [c.id for c in self.project.codebook.codes]

    @property
    def human_coders(self) -> list[str]:
        """Coders with accepted codings of their own (not the auto-coder), limited to
        --coders when given."""
        c = self.codings
        people = c[(c.coder != "auto") & (c.status == "accepted")].coder.dropna()
        found = sorted(set(map(str, people)))
        if self.options.coders:
            found = [x for x in found if x in self.options.coders]
        return found

    @property
    def hidden_attributes(self) -> list[str]:
        """Attributes never tabulated: names, or one value per respondent."""
        return identifying(self.all_units)

    @property
    def has_suggestions(self) -> bool:
        return bool((self.codings.coder == "auto").any())

    def order(self, attr: str, values: list[str]) -> list[str]:
        """Group values in the declared order (qualcode.toml [order]), then by name."""
        declared = self.project.settings.order.get(attr, [])
        rank = {v: i for i, v in enumerate(declared)}
        return sorted(values, key=lambda v: (v not in rank, rank.get(v, 0), str(v)))

    def command(self, *args: str, where: bool = True, suggestions: bool = True,
                coders: bool = True) -> str:
        """The CLI command that prints the same numbers."""
        argv = ["qualcode", *args]
        if where:
            for w in self.options.where:
                argv += ["--where", w]
        if suggestions and self.options.include_suggestions:
            argv.append("--include-suggestions")
        if coders and self.options.coders:
            argv += ["--coders", ",".join(self.options.coders)]
        return shlex.join(argv)

    def did(self, section: str, **facts: object) -> dict:
        """Record what a section computed (its parameters and what it found)."""
        record = self.methods.setdefault(section, {})
        record.update(facts)
        return record


def gather(project: Project, options: ReportOptions) -> Context:
    """Read the frames every section shares and settle the groupings."""
    from qualcode.analysis.filters import apply_filters

    documents = project.documents()
    all_units = project.respondents()
    units = apply_filters(all_units, options.where)
    known = attributes(all_units)
    groupings = options.groupings() or [[a] for a in default_by(all_units,
                                                                 project.settings.order)]
    for group in groupings:
        for attr in group:
            if attr not in known:
                raise UsageError(f"--by {attr}: unknown attribute - known: "
                                 f"{', '.join(sorted(known)) or '(none)'}")
            if options.pseudonymize and is_name_attribute(attr):
                raise UsageError(f"--by {attr}: this attribute names people - a "
                                 "pseudonymized report cannot group by it")
    ctx = Context(project, options, documents, all_units, units, project.codings(),
                  groupings)
    if options.pseudonymize:
        ctx.pseudo = pseudonymizer(project, documents, all_units)
    return ctx


def check_output(path: Path) -> Path:
    """The report's path, or a one-line error when it cannot be written there."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder - give a file name such as {path / 'study.html'}")
    if not path.parent.is_dir():
        raise UsageError(f"{path}: folder {path.parent} does not exist - create it first")
    return path


def build_report(project: Project, path: Path, options: ReportOptions | None = None) -> Path:
    """Write the study report to `path` (one self-contained HTML file); returns the path."""
    from qualcode.report import analyses, sections, words
    from qualcode.report.memos import memos_section
    from qualcode.report.render import render
    from qualcode.report.saturation import saturation_section

    path = check_output(path)
    options = options or ReportOptions()
    ctx = gather(project, options)
    parts = [
        sections.codebook_section(ctx),
        sections.corpus_section(ctx),
        saturation_section(ctx),
        analyses.themes_section(ctx),
        analyses.compare_section(ctx),
        words.words_section(ctx),
        analyses.excerpts_section(ctx),
        analyses.cooccur_section(ctx),
        analyses.agreement_section(ctx),
        analyses.quality_section(ctx),
        *([] if options.no_memos else [memos_section(ctx)]),
        sections.methods_section(ctx),
    ]
    html = render(ctx, parts)
    from qualcode.outputs import write_output

    return write_output(path, html)
