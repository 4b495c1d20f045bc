"""Logging: JSON lines, with phone numbers cut to their last four digits and card numbers gone."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import structlog

from callwarden import log


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("2142345678", "***-***-5678"),
        ("12142345678", "***-***-5678"),
        ("(214) 234-5678", "***-***-5678"),
        ("+1 214.234.5678", "***-***-5678"),
        ("called 214-234-5678 twice", "called ***-***-5678 twice"),
        ("/v1/consents/2142345678", "/v1/consents/***-***-5678"),
        ('{"phone":"2142345678"}', '{"phone":"***-***-5678"}'),
        ("4111111111111111", "[REDACTED]"),
        ("card 4111 1111 1111 1111 exp 12/29", "card [REDACTED] exp 12/29"),
        ("4111-1111-1111-1111", "[REDACTED]"),
        ("378282246310005", "[REDACTED]"),
        ("6011111111111117000", "[REDACTED]"),
        ("two 2142345678 2125551234", "two [REDACTED]"),
    ],
)
def test_digit_runs_are_masked(text: str, masked: str) -> None:
    """Phones keep their last four digits; card-length runs vanish."""
    assert log.mask_digits(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "",
        "http.access",
        "2026-03-03T20:30:00-06:00",
        "duration 123456789",
        "zip 75201-1234",
        "f3a9c2e41b7d4e0f8a6c5b3d2e1f0a9b",
        "id ab12345678901234cd",
        "TX 09:00-21:00",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    """Dates, times, short numbers, ZIP+4 and hexadecimal ids are not phone numbers."""
    assert log.mask_digits(text) == text


def test_masking_stays_fast_on_hostile_input() -> None:
    """A long run of digits and separators that ends badly is scanned in linear time."""
    hostile = "1 " * 200_000 + "x"
    started = time.perf_counter()
    log.mask_digits(hostile)
    assert time.perf_counter() - started < 1.0


def test_every_value_of_an_event_is_masked_however_nested() -> None:
    """Strings, long integers, lists, tuples and dicts inside the event are all scanned."""
    event = {
        "event": "import 2142345678",
        "phone": 2142345678,
        "count": 12,
        "ratio": 0.5,
        "ok": True,
        "none": None,
        "rows": [{"card": "4111111111111111"}, ("5125550123",)],
    }
    masked = log.mask_sensitive(None, "info", event)
    assert masked == {
        "event": "import ***-***-5678",
        "phone": "***-***-5678",
        "count": 12,
        "ratio": 0.5,
        "ok": True,
        "none": None,
        "rows": [{"card": "[REDACTED]"}, ["***-***-0123"]],
    }


@dataclass
class _Settings:
    log_level: str = "info"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Logging configured to write into a buffer; put back to stderr afterwards."""
    buffer = io.StringIO()
    log.configure_logging(_Settings(), stream=buffer)
    yield buffer
    log.configure_logging(_Settings())


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_events_are_json_lines_with_level_and_utc_time(stream: io.StringIO) -> None:
    """One JSON object per event, with the event's fields, level and an ISO timestamp."""
    logger = log.get_logger("test")
    logger.info("list.imported", rows=3, phone="214-234-5678")
    logger.debug("hidden at info level")
    [line] = _lines(stream)
    assert line["event"] == "list.imported"
    assert line["rows"] == 3
    assert line["phone"] == "***-***-5678"
    assert line["level"] == "info"
    assert str(line["timestamp"]).endswith("Z")


def test_exceptions_are_rendered_and_masked(stream: io.StringIO) -> None:
    """A traceback becomes a string field, and the digits in it are masked."""
    try:
        int("4111111111111111x")
    except ValueError:
        log.get_logger("test").exception("parse.failed")
    [line] = _lines(stream)
    exception = str(line["exception"])
    assert "ValueError" in exception
    assert "4111111111111111" not in exception


def test_standard_library_logs_go_through_the_same_masking(stream: io.StringIO) -> None:
    """A library logging a number through ``logging`` is masked too, as JSON."""
    logging.getLogger("somelib").warning("dialing %s", "2142345678")
    [line] = _lines(stream)
    assert line["event"] == "dialing ***-***-5678"
    assert line["logger"] == "somelib"
    assert line["level"] == "warning"


def test_the_server_access_log_is_off_and_library_chatter_is_quiet(stream: io.StringIO) -> None:
    """Uvicorn's own access log (raw paths) is disabled; libraries' info lines are dropped."""
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /v1/consents/2142345678"')
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("uvicorn.error").info("Started server process")
    assert [line["event"] for line in _lines(stream)] == ["Started server process"]


def test_configuring_twice_adds_no_second_handler(stream: io.StringIO) -> None:
    """configure_logging is idempotent: one stdlib handler, one line per record."""
    log.configure_logging(_Settings(), stream=stream)
    logging.getLogger("somelib").warning("once")
    assert len(_lines(stream)) == 1


def test_capture_logs_sees_masked_events_with_the_pre_render_chain() -> None:
    """Tests capture events after masking by passing the pre-render processors."""
    with structlog.testing.capture_logs(processors=log.pre_render_processors()) as events:
        log.get_logger("test").info("check", phone="(214) 234-5678")
    assert events[0]["phone"] == "***-***-5678"
