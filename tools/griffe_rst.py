"""Griffe extension for the docs: turn the docstrings' reStructuredText bits into Markdown.

bayesfit's docstrings are numpydoc, with the math as ``:math:`...``` and ``.. math::``
blocks and cross references as ``:class:`...``` (what Sphinx and IDEs read). mkdocstrings
renders Markdown, so before rendering: math becomes ``$...$`` / ``$$...$$`` (typeset by
pymdownx.arithmatex + MathJax) and roles become code spans.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|obj|exc):`~?([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_MATH_BLOCK = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n((?:[ \t]*\n|\1[ \t]+.*\n?)+)", re.M)


def _math_block(match: re.Match[str]) -> str:
    indent, body = match[1], textwrap.dedent(match[2]).strip("\n")
    lines = [indent + "$$", *(indent + line for line in body.splitlines()), indent + "$$"]
    return "\n".join(lines) + "\n\n"


def _role(match: re.Match[str]) -> str:
    target = match[1]
    if match[0].split("`")[1].startswith("~"):
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def rst_to_markdown(text: str) -> str:
    """Return ``text`` with RST math and cross-reference roles rewritten as Markdown."""
    text = _MATH_BLOCK.sub(_math_block, text)
    text = _MATH_ROLE.sub(lambda m: f"${m[1]}$", text)
    return _ROLE.sub(_role, text)


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring once, when griffe loads the object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring in place."""
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
