"""Prints the requirements of the named optional-dependency groups of pyproject.toml (plus the
build backend), one per line, for scripts/test-all.sh: the test environment installs exactly
what the project declares, nothing listed twice.

    python scripts/requirements.py test notebook
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]


def main(groups: list[str]) -> int:
    data = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8"))
    out = list(data["build-system"]["requires"])
    extras = data["project"]["optional-dependencies"]
    for g in groups:
        if g not in extras:
            print(f"no optional-dependency group {g!r} in pyproject.toml", file=sys.stderr)
            return 2
        out.extend(r for r in extras[g] if r not in out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
