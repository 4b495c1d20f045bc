"""The DNC lists over HTTP, under ``/v1/dnc``.

- ``GET /v1/dnc/status``: every list, the required lists missing or stale, exemptions
  (compliance, read-only, admin);
- ``POST /v1/dnc/{list}/numbers`` ``{"numbers": [...]}`` (at most 10,000): add numbers;
- ``DELETE /v1/dnc/{list}/numbers/{number}``: remove one number;
- ``POST /v1/dnc/{list}/import[?changes=true]``: a list file as multipart form field ``file``,
  streamed to a temporary file under ``CALLWARDEN_HOME`` (at most ``max_body_bytes``, else 413
  ``PAYLOAD_TOO_LARGE``) and imported as ``callwarden dnc import`` does; rejected lines come
  back in a 422 ``IMPORT_REJECTED`` envelope after the good ones were stored.

Changing a list needs the compliance role (or admin).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from callwarden.core.ports import check_list_name
from callwarden.errors import ImportRejected, InvalidInput, PayloadTooLarge
from callwarden.interfaces.api.security import require
from callwarden.services.apikeys import Role

router = APIRouter(tags=["dnc"])
_CHANGE = [Depends(require(Role.COMPLIANCE))]
_READ = [Depends(require(Role.COMPLIANCE, Role.READONLY))]


class NumbersIn(BaseModel):
    """Numbers to put on a list, in any common notation."""

    model_config = ConfigDict(extra="forbid")

    numbers: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=10_000)


@router.get("/dnc/status", dependencies=_READ)
def dnc_status(request: Request) -> dict[str, Any]:
    """Every list with its size and freshness, and the required lists missing or stale."""
    return request.app.state.cw.dnc_service.status().to_dict()  # type: ignore[no-any-return]


@router.post("/dnc/{list_name}/numbers", dependencies=_CHANGE)
def add_numbers(list_name: str, body: NumbersIn, request: Request) -> dict[str, Any]:
    """Put numbers on a list (all or none: one invalid number changes nothing)."""
    result = request.app.state.cw.dnc_service.add(list_name, body.numbers)
    return result.to_dict()  # type: ignore[no-any-return]


@router.delete("/dnc/{list_name}/numbers/{number}", dependencies=_CHANGE)
def remove_number(list_name: str, number: str, request: Request) -> dict[str, Any]:
    """Take one number off a list."""
    result = request.app.state.cw.dnc_service.remove(list_name, [number])
    return result.to_dict()  # type: ignore[no-any-return]


@router.post("/dnc/{list_name}/import", dependencies=_CHANGE)
async def import_list(
    list_name: str,
    request: Request,
    changes: Annotated[bool, Query(description="a change file: add/delete records")] = False,
) -> dict[str, Any]:
    """Import a list file sent as multipart field ``file`` (full list, or changes)."""
    app = request.app.state.cw
    name = check_list_name(list_name)
    uploads = app.settings.home / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=uploads))
    try:
        upload = await _receive(request, folder, app.settings.max_body_bytes)
        try:
            result = await run_in_threadpool(
                app.dnc_service.import_list,
                name,
                upload.path,
                changes=changes,
                file_name=upload.filename,
                rejects_path=folder / "rejects.csv",
            )
        except ImportRejected as exc:
            details = {k: v for k, v in exc.details.items() if k != "rejects_file"}
            message = exc.message.split("; see ")[0]
            raise ImportRejected(message, details=details) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body: dict[str, Any] = result.to_dict()
    body.pop("rejects_file", None)
    return body


class _Upload:
    """Receives a multipart body, writing the ``file`` field to disk as it arrives."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        self.received = 0
        self.path: Path | None = None
        self.filename = "upload.txt"
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._out: IO[bytes] | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._grow("_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._grow("_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _grow(self, attribute: str, data: bytes) -> None:
        setattr(self, attribute, getattr(self, attribute) + data)

    def _begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") != b"file" or self.path is not None:
            return
        raw = options.get(b"filename", b"").decode("utf-8", "replace")
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(raw.replace("\\", "/")).name)[:100]
        self.filename = safe.strip("._") or self.filename
        self.path = self.folder / self.filename
        self._out = self.path.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])

    def _end(self) -> None:
        self.close()

    def close(self) -> None:
        """Close the file being written, if any."""
        if self._out is not None:
            self._out.close()
            self._out = None

    def count(self, size: int) -> None:
        self.received += size
        if self.received > self.limit:
            raise PayloadTooLarge(
                f"the upload is larger than {self.limit} bytes",
                details={"max_body_bytes": self.limit},
            )


async def _receive(request: Request, folder: Path, limit: int) -> _Upload:
    """Stream the multipart body into ``folder``; the file field's path and name."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput("send the list as multipart/form-data with a field named 'file'")
    upload = _Upload(folder, limit)
    parser = MultipartParser(boundary, callbacks=upload.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            upload.count(len(chunk))
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise InvalidInput(f"malformed multipart body: {exc}") from exc
    finally:
        upload.close()
    if upload.path is None:
        raise InvalidInput("the multipart body has no field named 'file'")
    return upload
