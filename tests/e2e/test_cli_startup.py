"""A command loads only its own module: ``callwarden dnc ...`` never imports the scrub."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = """
import sys
sys.argv = ["callwarden", *{argv!r}]
from callwarden.interfaces.cli.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if m.startswith("callwarden.interfaces"))
print("CODE", code)
print("LOADED", " ".join(loaded))
"""


def _run(*argv: str) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=list(argv))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = dict(
        line.split(" ", 1) for line in done.stdout.splitlines() if line[:5] in {"CODE ", "LOADE"}
    )
    return int(lines["CODE"]), set(lines["LOADED"].split()), done.stdout


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        (("dnc", "--help"), {"cli.scrub", "cli.check", "batch.pipeline", "api.app"}),
        (("check", "--help"), {"cli.dnc", "cli.scrub", "batch.pipeline"}),
        (("rules", "--help"), {"cli.dnc", "cli.check", "batch.pipeline"}),
    ],
)
def test_a_command_loads_only_its_module(argv: tuple[str, ...], absent: set[str]) -> None:
    code, loaded, out = _run(*argv)
    assert code == 0, out
    assert "Usage: callwarden " + argv[0] in out
    assert not {f"callwarden.interfaces.{m}" for m in absent} & loaded


def test_the_whole_help_and_a_mistyped_command() -> None:
    code, _, out = _run("--help")
    assert code == 0
    for name in ("check", "scrub", "serve", "dnc", "consent", "rules", "apikey"):
        assert name in out
    code, _, _ = _run("nosuch")
    assert code == 2
