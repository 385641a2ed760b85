"""Roles and footage operations.

Roles set what an account may administer; what a user may do with a camera's
footage is decided by the gate: admins may do everything, anyone else only what a
grant for that camera allows, so nothing is visible by accident.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    OPERATOR = "operator"
    VIEWER = "viewer"
    AUDITOR = "auditor"


class Operation(StrEnum):
    """What a caller wants to do with a camera."""

    VIEW = "view"  # see that the camera exists, its name and status
    LIVE = "live"
    PLAYBACK = "playback"
    EXPORT = "export"
    PTZ = "ptz"
    CONFIGURE = "configure"


# What a grant holds when an administrator names cameras for a user but no operations: the
# usual work of the role. Admins need no grants; auditors watch the log, not the cameras.
ROLE_DEFAULT_OPERATIONS: dict[Role, frozenset[Operation]] = {
    Role.ADMIN: frozenset(
        {Operation.LIVE, Operation.PLAYBACK, Operation.EXPORT, Operation.PTZ, Operation.CONFIGURE}
    ),
    Role.MANAGER: frozenset({Operation.LIVE, Operation.PLAYBACK, Operation.EXPORT}),
    Role.OPERATOR: frozenset({Operation.LIVE, Operation.PLAYBACK, Operation.PTZ}),
    Role.VIEWER: frozenset({Operation.LIVE}),
    Role.AUDITOR: frozenset(),
}
