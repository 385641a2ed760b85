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
