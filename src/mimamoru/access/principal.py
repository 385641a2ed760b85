"""Who is calling, from where, and through what (a login session or an API token)."""

from __future__ import annotations

from dataclasses import dataclass

from mimamoru.access.roles import Operation, Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    # An API token limits its owner's footage operations to these; None: no limit.
    scopes: frozenset[Operation] | None = None
    client: str = ""
    session_id: int | None = None
    token_id: int | None = None
    # An admin who must use two-factor but has not enrolled may only enrol or log out.
    must_enrol_totp: bool = False

    @property
    def via_token(self) -> bool:
        return self.token_id is not None

    def at(self, client: str) -> Principal:
        """The same caller, seen from this source address."""
        return Principal(
            self.user_id,
            self.username,
            self.role,
            self.scopes,
            client,
            self.session_id,
            self.token_id,
            self.must_enrol_totp,
        )
