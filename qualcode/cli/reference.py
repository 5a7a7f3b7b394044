"""Generate docs/cli.md from the commands' own --help, so the reference cannot drift.

    python -m qualcode.cli.reference > docs/cli.md
"""

from __future__ import annotations

WIDTH = 96

HEADER = """# CLI reference

Generated from `qualcode --help` by `python -m qualcode.cli.reference > docs/cli.md`;
a test fails when this file and the commands' help differ. Exit status: 0 success,
1 a user error (one line on stderr), 2 bad usage.
"""


def render_reference() -> str:
    """The help of every command and sub-command, as markdown."""
    import typer.main

    from qualcode.cli.app import app

    root = typer.main.get_command(app)
    parts = [HEADER]

    def walk(cmd, path: list[str], parent_ctx) -> None:  # noqa: ANN001
        ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent_ctx,
                                terminal_width=WIDTH, max_content_width=WIDTH)
        title = " ".join(path)
        parts.append(f"## `{title}`\n\n```\n{cmd.get_help(ctx).rstrip()}\n```\n")
        for name in getattr(cmd, "list_commands", lambda _c: [])(ctx):
            walk(cmd.get_command(ctx, name), [*path, name], ctx)

    walk(root, ["qualcode"], None)
    return "\n".join(parts)


if __name__ == "__main__":
    print(render_reference(), end="")
