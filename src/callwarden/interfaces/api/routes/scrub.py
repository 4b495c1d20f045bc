"""``POST /v1/scrub``: upload a lead list (CSV or Parquet), get it back scrubbed.

Roles: dialer, compliance, admin. The upload is a ``multipart/form-data`` body with the file in
the ``file`` field; it is streamed to a private folder under ``CALLWARDEN_HOME/tmp`` (never
held in memory), refused with 413 once it passes ``max_body_bytes``, scrubbed with the same
batch pipeline as ``callwarden scrub``, and sent back as Parquet (default) or CSV
(``?format=csv``). The folder is removed once the response is sent. Totals come back in
``X-Scrub-*`` headers.
"""

from __future__ import annotations

import enum
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from callwarden.core.types import Channel, LineType, Method, Purpose
from callwarden.errors import InvalidInput, PayloadTooLarge
from callwarden.interfaces.api.security import require
from callwarden.interfaces.batch import pipeline
from callwarden.services.apikeys import Role
from callwarden.services.scrub import ScrubOptions

router = APIRouter(tags=["scrub"], dependencies=[Depends(require(Role.DIALER, Role.COMPLIANCE))])

#: The form field that carries the lead file.
FILE_FIELD = "file"
_MEDIA = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv"}
_KNOWN_SUFFIXES = (".csv", ".parquet", ".pq")
_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FILE_FIELD],
                "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
            }
        }
    },
}


class OutputFormat(enum.StrEnum):
    """What the scrubbed file is sent back as."""

    PARQUET = "parquet"
    CSV = "csv"


class ScrubQuery(BaseModel):
    """The attempt every row stands for, as ``callwarden scrub`` options, and the format."""

    model_config = ConfigDict(extra="forbid")

    phone_column: str | None = Field(default=None, max_length=200)
    at: AwareDatetime | None = None
    purpose: Purpose = Purpose.TELEMARKETING
    method: Method = Method.MANUAL
    channel: Channel = Channel.VOICE
    seller: str = Field(default="", max_length=200)
    campaign: str = Field(default="", max_length=200)
    line_type: LineType = LineType.UNKNOWN
    format: OutputFormat = OutputFormat.PARQUET

    def options(self) -> ScrubOptions:
        """The service's options."""
        return ScrubOptions(
            at=self.at,
            purpose=self.purpose,
            method=self.method,
            channel=self.channel,
            seller=self.seller,
            campaign=self.campaign,
            line_type=self.line_type,
        )


@router.post(
    "/scrub",
    response_class=FileResponse,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={200: {"content": {media: {} for media in _MEDIA.values()}}},
)
async def scrub(request: Request, query: Annotated[ScrubQuery, Query()]) -> FileResponse:
    """Scrub an uploaded lead list: every column, plus phone_e164, allowed and reasons."""
    cw = request.app.state.cw
    fmt = query.format.value
    work = Path(cw.settings.home) / "tmp" / f"scrub-{uuid.uuid4().hex}"
    work.mkdir(parents=True)
    try:
        source = await receive_upload(request, work, cw.settings.max_body_bytes)
        target = work / f"scrubbed.{fmt}"
        report = await run_in_threadpool(
            pipeline.scrub_file,
            cw.scrubber,
            query.options(),
            source,
            target,
            phone_column=query.phone_column,
            output_format=fmt,
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    tally = report.tally
    return FileResponse(
        target,
        media_type=_MEDIA[fmt],
        filename=f"{Path(source.name).stem or 'leads'}.scrubbed.{fmt}",
        headers={
            "X-Scrub-Rows": str(tally.rows),
            "X-Scrub-Allowed": str(tally.allowed),
            "X-Scrub-Invalid": str(tally.invalid),
            "X-Scrub-At": report.at,
            "X-Scrub-Phone-Column": report.phone_column,
        },
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


async def receive_upload(request: Request, folder: Path, limit: int) -> Path:
    """Stream the ``file`` part of a multipart body into ``folder``; return its path."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput(
            f"send the lead file as multipart/form-data in a {FILE_FIELD!r} field",
            details={"content_type": kind.decode("latin-1")},
        )
    upload = _Upload(folder, limit)
    parser = MultipartParser(boundary, upload.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    finally:
        upload.close()
    return upload.result()


class _Upload:
    """Multipart callbacks that write the file part to disk and count its bytes."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        self.size = 0
        self.path: Path | None = None
        self._handle: BinaryIO | None = None
        self._header = b""
        self._value = b""
        self._disposition = b""

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._field,
            "on_header_value": self._val,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._disposition = b""

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _val(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != FILE_FIELD.encode() or self.path is not None:
            return  # other fields, and a second file, are ignored
        name = options.get(b"filename", b"").decode("utf-8", "replace")
        suffix = Path(name).suffix.lower()
        stem = Path(name).stem[:80] or "leads"
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
        self.path = self.folder / f"{safe}{suffix if suffix in _KNOWN_SUFFIXES else ''}"
        self._handle = self.path.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._handle is None:
            return
        self.size += end - start
        if self.size > self.limit:
            raise PayloadTooLarge(
                f"the upload is larger than {self.limit} bytes",
                details={"max_body_bytes": self.limit},
            )
        self._handle.write(data[start:end])

    def _end(self) -> None:
        self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def result(self) -> Path:
        if self.path is None:
            raise InvalidInput(f"the upload has no file in a {FILE_FIELD!r} field")
        return self.path
