"""The codebook as a rich tree (terminal, Jupyter) or a flat table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.codebook import Codebook

if TYPE_CHECKING:
    import pandas as pd
    from rich.tree import Tree


def codebook_frame(book: Codebook) -> pd.DataFrame:
    """One row per code: id, name, parent, depth, colour, definition fields, rule counts."""
    import pandas as pd

    rows = []
    for code, parent, depth in book.walk():
        rows.append({
            "code": code.id, "name": code.name, "parent": parent.id if parent else None,
            "depth": depth, "color": code.color, "description": code.description,
            "include": code.include, "exclude": code.exclude,
            "examples": len(code.examples),
            "rules": ", ".join(f"{lang}:{len(r)}" for lang, r in sorted(code.rules.items())),
        })
    return pd.DataFrame(rows, columns=["code", "name", "parent", "depth", "color",
                                       "description", "include", "exclude", "examples", "rules"])


def codebook_tree(book: Codebook, details: bool = False) -> Tree:
    """A rich Tree of the codebook, each code in its colour."""
    from rich.text import Text
    from rich.tree import Tree

    root = Tree(Text(f"{book.codebook} (version {book.version})", style="bold"))

    def add(node: Tree, code) -> None:  # noqa: ANN001
        label = Text()
        label.append("■ ", style=code.color or "white")
        label.append(code.name, style="bold")
        label.append(f"  {code.id}", style="dim")
        n_rules = sum(len(r) for r in code.rules.values())
        if n_rules:
            label.append(f"  [{n_rules} rules: {', '.join(sorted(code.rules))}]", style="dim")
        branch = node.add(label)
        if details:
            for key in ("description", "include", "exclude"):
                value = getattr(code, key)
                if value:
                    branch.add(Text(f"{key}: {' '.join(value.split())}", style="italic"))
            for lang, rules in sorted(code.rules.items()):
                branch.add(Text(f"rules {lang}: " + "; ".join(r.describe() for r in rules),
                                style="dim"))
        for child in code.children:
            add(branch, child)

    for code in book.codes:
        add(root, code)
    return root
