"""Structured logging: JSON lines on stderr, with phone and card numbers masked.

``configure_logging(settings)`` is called once by the composition root. Every event passes
through ``mask_sensitive``, which rewrites every string (and long integer) value of the event,
however deeply nested:

- a run of 10 or 11 digits (a NANP phone number, with or without ``+1``, spaces, dots, dashes or
  parentheses between the digits) keeps only its last four digits: ``***-***-1234``;
- a run of 12 or more digits (payment card numbers have 13-19, PCI DSS v4 Req. 3.4.1) is
  replaced entirely by ``[REDACTED]``.

A run counts only when no letter or digit touches it, so digits inside hexadecimal ids and
hashes stay intact; the exception is a 13-19 digit run that passes the Luhn check (a card
number glued to other text), which is redacted wherever it is.
Standard-library loggers (Uvicorn's among them) are routed through the same processors; Uvicorn's
own access log is switched off because the API writes its own (``http.access``) without bodies.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, Protocol, TextIO

import orjson
import structlog
from stdnum import luhn
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "LogSettings",
    "configure_logging",
    "get_logger",
    "mask_digits",
    "mask_sensitive",
    "pre_render_processors",
]

# A run has at least 10 digits, with at most two separators between digits. It may not start
# right after a letter, a digit, or a digit and one or two separators (so each run is tried from
# its first digit only), and the repetition is possessive: matching stays linear in the length of
# the text whatever it contains, and text with fewer than 10 digits in a row is left at C speed.
_RUN = re.compile(
    r"(?<![A-Za-z0-9])(?<![0-9][ ().\-])(?<![0-9][ ().\-]{2})"
    r"\+?\(?\d(?:[ ().\-]{0,2}\d){9,}+(?![A-Za-z0-9])"
)
# A card number glued to letters ("4111111111111111x" in an exception message) escapes ``_RUN``;
# such runs of 13-19 digits are redacted when they pass the Luhn check (so that digit runs inside
# hexadecimal hashes mostly survive).
_GLUED = re.compile(r"(?<![0-9])[0-9]{13,19}(?![0-9])")
# Every such run also matches this simpler pattern, which the regex engine scans much faster:
# most strings (event names, paths, hexadecimal ids) are ruled out by it alone.
_CANDIDATE = re.compile(r"\d[\d ().\-]{8,}\d")
_PHONE_DIGITS = (10, 11)
_LONG_RUN = 12
_SMALLEST_PHONE = 10**9
_HANDLER_MARK = "_callwarden_handler"
_state: dict[str, object] = {}


class LogSettings(Protocol):
    """The part of the settings logging reads."""

    @property
    def log_level(self) -> str:
        """``debug``, ``info``, ``warning`` or ``error``."""
        ...


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = [c for c in run if c.isdigit()]
    if len(digits) in _PHONE_DIGITS:
        return "***-***-" + "".join(digits[-4:])
    if len(digits) >= _LONG_RUN:
        return "[REDACTED]"
    return run


def mask_digits(text: str) -> str:
    """Mask phone-number-like and card-number-like digit runs in ``text``."""
    if len(text) < _PHONE_DIGITS[0] or _CANDIDATE.search(text) is None:
        return text
    return _GLUED.sub(_mask_card, _RUN.sub(_mask_run, text))


def _mask_card(match: re.Match[str]) -> str:
    run = match.group(0)
    return "[REDACTED]" if luhn.is_valid(run) else run


def _mask_value(value: Any) -> Any:
    kind = type(value)
    if kind is str:  # most values: decided here without the isinstance chain
        return mask_digits(value)
    if kind is bool or kind is float or value is None:
        return value
    if isinstance(value, str):
        out: Any = mask_digits(value)
    elif isinstance(value, bool | float):
        out = value
    elif isinstance(value, int):
        out = mask_digits(str(value)) if abs(value) >= _SMALLEST_PHONE else value
    elif isinstance(value, Mapping):
        out = {k: _mask_value(v) for k, v in value.items()}
    elif isinstance(value, list | tuple | set | frozenset):
        out = [_mask_value(v) for v in value]
    else:
        out = value
    return out


def mask_sensitive(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: mask digit runs in every value of the event."""
    return {key: _mask_value(value) for key, value in event_dict.items()}


def pre_render_processors() -> list[Processor]:
    """Every processor before rendering.

    Masking runs after tracebacks are rendered to text (so they are masked too) and before the
    time stamp is added (which is ours and needs no scan).
    """
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.format_exc_info,
        mask_sensitive,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(settings: LogSettings, *, stream: TextIO | None = None) -> None:
    """Configure structlog and standard logging once; again only for a new level or stream."""
    level = logging.getLevelNamesMapping()[settings.log_level.upper()]
    target = stream or sys.stderr
    if _state.get("level") == level and _state.get("stream") is target:
        return
    structlog.configure(
        processors=[*pre_render_processors(), _json_renderer()],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=target),
        # Not cached: a later configure_logging (a new stream or level) reaches every logger.
        cache_logger_on_first_use=False,
    )
    _route_stdlib(level, target)
    _state.update(level=level, stream=target)


def _route_stdlib(level: int, target: TextIO) -> None:
    """Send standard-library records through the same masking processors, as JSON."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_logger_name,
            *pre_render_processors(),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _json_renderer(),
        ],
    )
    handler = logging.StreamHandler(target)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # Libraries (the migration tool among them) speak only from warnings up, unless debugging;
    # the server's own start and stop lines keep the configured level.
    root.setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error"):
        server_log = logging.getLogger(name)
        server_log.handlers = []
        server_log.propagate = True
        server_log.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True


def _json_renderer() -> structlog.processors.JSONRenderer:
    """Events as one compact JSON object per line, written by orjson.

    Values JSON cannot hold are written as their ``repr``, as structlog's own renderer does.
    """
    return structlog.processors.JSONRenderer(serializer=_dumps)


def _dumps(event: Any, **_: Any) -> str:
    return orjson.dumps(event, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()


def get_logger(name: str) -> Any:
    """A lazy structlog logger (configured at first use, so safe to create at import)."""
    return structlog.get_logger(name)
