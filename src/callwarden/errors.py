"""The callwarden error hierarchy: one base class, stable codes, mapped once to HTTP and exit codes.

::

    CallwardenError
    ├── InvalidInput
    │   ├── InvalidPhoneNumber
    │   ├── InvalidRuleFile
    │   └── PayloadTooLarge
    ├── NotFound
    ├── Conflict
    ├── PermissionDenied
    │   └── Unauthenticated
    ├── AuditChainBroken
    ├── ConfigurationError
    └── ImportRejected

Every class carries ``code`` (a stable UPPER_SNAKE string documented in ``docs/errors.md``),
``http_status`` and ``exit_code``. ``diagnostics()`` renders a message for humans. Messages never
contain raw input that could be a card number or an SSN; callers pass redacted details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class CallwardenError(Exception):
    """Base class of every error callwarden raises on purpose."""

    code: ClassVar[str] = "CALLWARDEN_ERROR"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        """Create the error with a human message and optional structured details."""
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def diagnostics(self) -> str:
        """Return a multi-line explanation for humans (CLI output, logs)."""
        lines = [f"{self.code}: {self.message}"]
        lines.extend(f"  {key}: {value}" for key, value in sorted(self.details.items()))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form used by the API error envelope."""
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(CallwardenError):
    """Input failed validation at the boundary."""

    code = "INVALID_INPUT"
    http_status = 422
    exit_code = 2


class InvalidPhoneNumber(InvalidInput):
    """A phone number could not be parsed as a dialable NANP number."""

    code = "INVALID_PHONE_NUMBER"


class InvalidRuleFile(InvalidInput):
    """A rule data file is malformed; details name the file, the rule and the field."""

    code = "INVALID_RULE_FILE"


class PayloadTooLarge(InvalidInput):
    """A request body or file exceeds the configured limit."""

    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class NotFound(CallwardenError):
    """The named resource does not exist."""

    code = "NOT_FOUND"
    http_status = 404
    exit_code = 3


class Conflict(CallwardenError):
    """The request conflicts with the current state (duplicate name, concurrent change)."""

    code = "CONFLICT"
    http_status = 409
    exit_code = 4


class PermissionDenied(CallwardenError):
    """The caller is known but its role does not allow the action."""

    code = "PERMISSION_DENIED"
    http_status = 403
    exit_code = 5


class Unauthenticated(PermissionDenied):
    """No valid credential was presented."""

    code = "UNAUTHENTICATED"
    http_status = 401


class AuditChainBroken(CallwardenError):
    """The audit log's hash chain does not verify."""

    code = "AUDIT_CHAIN_BROKEN"
    exit_code = 6


class ConfigurationError(CallwardenError):
    """Settings are missing, malformed or insecure."""

    code = "CONFIGURATION_ERROR"
    exit_code = 78


class ImportRejected(CallwardenError):
    """An import finished but rejected some lines; the good lines were stored."""

    code = "IMPORT_REJECTED"
    http_status = 422
    exit_code = 2


ALL_ERRORS: tuple[type[CallwardenError], ...] = (
    CallwardenError,
    InvalidInput,
    InvalidPhoneNumber,
    InvalidRuleFile,
    PayloadTooLarge,
    NotFound,
    Conflict,
    PermissionDenied,
    Unauthenticated,
    AuditChainBroken,
    ConfigurationError,
    ImportRejected,
)
