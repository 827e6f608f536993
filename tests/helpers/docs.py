"""The GraphQL operations the README and docs show, as a reader copies them.

A ```graphql block is taken as written, or, when it includes a file
(``--8<-- "docs/clients/operations.graphql"``, pymdownx.snippets), as that
file; curl examples give their JSON body's ``query``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers.server import ROOT

_SNIPPET = re.compile(r'^--8<-- "([^"]+)"\s*$', flags=re.M)


def documented_operations() -> list[str]:
    """Every GraphQL document of README.md and docs/*.md, each once, in page order."""
    found: list[str] = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        for block in re.findall(r"```graphql\n(.*?)```", text, flags=re.S):
            found.append(_SNIPPET.sub(lambda m: (ROOT / m.group(1)).read_text(), block))
        for body in re.findall(r"-d '(\{.*?\})'", text, flags=re.S):
            if '"query"' in body:
                found.append(json.loads(body)["query"])
    return list(dict.fromkeys(found))


def included_files(page: Path) -> list[Path]:
    """The files a page includes with pymdownx.snippets, in order."""
    return [ROOT / name for name in _SNIPPET.findall(page.read_text())]
