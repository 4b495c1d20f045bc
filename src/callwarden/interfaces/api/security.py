"""Authentication and authorization: every route but health needs an API key with a role.

Send the key as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Put
``Depends(require(Role.DIALER, ...))`` on a route or its router; admin passes every guard. The
guard is ``async``: a key verified in the last 30 seconds is answered from memory on the event
loop (no thread hop, no database); only a first sight or an expired entry asks the database, in
a worker thread. See ``services.apikeys`` for how revocation reaches the cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from callwarden.errors import PermissionDenied, Unauthenticated
from callwarden.services.apikeys import ApiKeyService, Principal, Role

#: Roles that may read: the floor of every guard.
ANY_ROLE = (Role.READONLY, Role.DIALER, Role.COMPLIANCE)


def presented_key(request: Request) -> str | None:
    """The key in ``Authorization: Bearer`` or ``X-API-Key``, if any."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


class Guard:
    """A FastAPI dependency admitting keys of some roles (and admin); ``roles`` says which."""

    def __init__(self, roles: frozenset[Role]) -> None:
        """Admit ``roles`` and admin."""
        self.roles = roles | {Role.ADMIN}
        self.__name__ = "require_" + "_".join(sorted(r.value for r in self.roles))

    async def __call__(self, request: Request) -> Principal:
        """Authenticate the key and check its role; remember the principal for the access log."""
        key = presented_key(request)
        if key is None:
            raise Unauthenticated("an API key is required (Authorization: Bearer <key>)")
        keys: ApiKeyService = request.app.state.cw.apikeys
        principal = keys.cached(key)
        if principal is None:
            if not keys.may_exist(key):
                raise Unauthenticated("the API key is unknown or revoked")
            principal = await run_in_threadpool(keys.authenticate, key)
        request.state.principal = principal
        if principal.role not in self.roles:
            raise PermissionDenied(
                f"role {principal.role.value!r} may not do this",
                details={"needs": sorted(r.value for r in self.roles)},
            )
        return principal


def require(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits keys of the given roles (and admin)."""
    return Guard(frozenset(roles))
