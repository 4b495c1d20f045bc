"""Run one measurement function in this fresh process and write its result as JSON.

``python -m benchmarks._worker MODULE FUNCTION KWARGS_JSON RESULT_PATH`` imports
``benchmarks.MODULE``, calls ``FUNCTION(**kwargs)`` and writes the returned dict to
``RESULT_PATH``. The parent reads this process's peak memory when it reaps it.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    """Entry point."""
    module_name, function_name, kwargs_json, result_path = argv
    try:
        module = importlib.import_module(f"benchmarks.{module_name}")
        result = getattr(module, function_name)(**json.loads(kwargs_json))
    except Exception as exc:  # noqa: BLE001 - the parent puts the error into the table
        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    tmp = Path(result_path + ".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(result_path)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
