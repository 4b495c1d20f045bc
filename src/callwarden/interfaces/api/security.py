"""Authentication and authorization: every route but health needs an API key with a role.

Send the key as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Use
``Depends(require(Role.DIALER, ...))`` on a route; admin passes every guard.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from callwarden.errors import PermissionDenied, Unauthenticated
from callwarden.services.apikeys import Principal, Role, hash_key
from callwarden.storage.db.api_keys import SqlApiKeys


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def require(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency that admits keys of the given roles (and admin)."""
    allowed = {Role.ADMIN, *roles}

    def guard(request: Request) -> Principal:
        key = _presented_key(request)
        if key is None or len(key) > 200:  # noqa: PLR2004 - keys are ~55 characters
            raise Unauthenticated("an API key is required (Authorization: Bearer <key>)")
        app = request.app.state.cw
        with app.session_factory() as session:
            principal = SqlApiKeys(session).principal(hash_key(key))
        if principal is None:
            raise Unauthenticated("the API key is unknown or revoked")
        if principal.role not in allowed:
            raise PermissionDenied(
                f"role {principal.role.value!r} may not do this",
                details={"needs": sorted(r.value for r in allowed)},
            )
        request.state.principal = principal
        return principal

    return guard
