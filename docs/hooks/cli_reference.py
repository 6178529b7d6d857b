"""mkdocs hook: the command-line reference page, generated from the argparse parsers.

docs/cli.md holds the marker ``<!-- cli-reference -->``; at build time it is replaced by the help of
every ``rfspin`` command and sub-command, so the page always matches the code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MARKER = "<!-- cli-reference -->"


def _subcommands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from sorted(action.choices.items())


def _section(name: str, parser: argparse.ArgumentParser, level: int) -> list[str]:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=100, max_help_position=36)
    lines = [f"{'#' * level} {name}", "", "```text", parser.format_help().rstrip(), "```", ""]
    for sub_name, sub in _subcommands(parser):
        lines += _section(f"{name} {sub_name}", sub, min(level + 1, 4))
    return lines


def reference() -> str:
    src = str(Path(__file__).resolve().parents[2] / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    from rfspin.cli.main import build_parser

    parser = build_parser()
    lines = []
    for name, sub in _subcommands(parser):
        lines += _section(f"rfspin {name}", sub, 2)
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri == "cli.md" and MARKER in markdown:
        return markdown.replace(MARKER, reference())
    return markdown


if __name__ == "__main__":  # print the reference: python docs/hooks/cli_reference.py
    print(reference())
