"""The typed container that wires the parts together.

The CLI and the web app use the same services; tests build them with a real
database and, where they need to, a controlled clock.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from mimamoru.access.accounts import AccountService
from mimamoru.access.camera_groups import CameraGroupService
from mimamoru.access.gate import AccessGate
from mimamoru.access.grants import GrantService
from mimamoru.access.groups import GroupService
from mimamoru.access.permissions import PermissionService
from mimamoru.access.requests import AccessRequestService
from mimamoru.access.sessions import SessionManager
from mimamoru.access.throttle import LoginThrottle
from mimamoru.access.tokens import ApiTokenService
from mimamoru.access.totp import TotpService
from mimamoru.audit.anchor import Anchoring
from mimamoru.audit.log import AuditLog
from mimamoru.cameras import CameraService
from mimamoru.clock import Clock, SystemClock
from mimamoru.compliance.service import Compliance
from mimamoru.crypto.keyring import KeyRing, open_keyring
from mimamoru.db.engine import Database, redact_url
from mimamoru.db.migrate import migrate
from mimamoru.errors import DatabaseError
from mimamoru.exports.runner import ExportRunner
from mimamoru.exports.service import ExportService
from mimamoru.media.live import LiveHubs
from mimamoru.media.supervisor import Supervisor
from mimamoru.settings import Settings
from mimamoru.storage.holds import HoldService
from mimamoru.storage.index import SegmentIndex
from mimamoru.storage.retention import RetentionSweeper, VolumeSpace
from mimamoru.storage.segments import SegmentStore

logger = logging.getLogger(__name__)

AUDIT_KEY_NAME = "audit-chain"
TOTP_KEY_NAME = "totp"
TOTP_ISSUER = "mimamoru"


@dataclass
class Services:
    settings: Settings
    clock: Clock
    database: Database
    audit: AuditLog
    sessions: SessionManager
    gate: AccessGate
    grants: GrantService
    groups: GroupService
    camera_groups: CameraGroupService
    permissions: PermissionService
    accounts: AccountService
    cameras: CameraService
    segments: SegmentIndex
    store: SegmentStore
    keys: KeyRing
    holds: HoldService
    retention: RetentionSweeper
    hubs: LiveHubs
    anchoring: Anchoring
    supervisor: Supervisor
    requests: AccessRequestService
    exports: ExportService
    export_runner: ExportRunner
    compliance: Compliance

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Services:
        """Connect to the database (migrating it) and wire everything; starts nothing."""
        clock = clock or SystemClock()
        database = Database(settings.effective_database_url)
        logger.info("database: %s", redact_url(database.url))
        try:
            migrate(database)
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            database.dispose()
            original = getattr(exc, "orig", None) or exc
            reason = (str(original).strip().splitlines() or [type(original).__name__])[0]
            raise DatabaseError(
                f"cannot use the database {redact_url(database.url)}: {reason}"
            ) from exc
        except Exception:
            database.dispose()
            raise
        try:
            keys = open_keyring(settings, database, clock)
        except BaseException:
            database.dispose()
            raise
        audit_key, new_key = keys.secret(AUDIT_KEY_NAME)
        audit = AuditLog(database, clock, audit_key)
        if new_key and audit.head()[0]:
            # Entries from before the chain was keyed: seal them under the new key once.
            logger.warning(
                "audit log: sealing %d earlier entries under the audit key", audit.rechain()
            )
        cameras = CameraService(database, clock, audit)
        totp_key, _ = keys.secret(TOTP_KEY_NAME)
        segments = SegmentIndex(database, clock)
        store = SegmentStore(settings.segments_dir, keys)
        holds = HoldService(database, clock, audit)
        hubs = LiveHubs()
        supervisor = Supervisor(
            settings.recording,
            store,
            segments.add,
            hubs,
            clock,
            cameras.recorder_definitions,
        )
        requests = AccessRequestService(database, clock, audit, settings.requests)
        exports = ExportService(
            database,
            clock,
            audit,
            store,
            segments,
            keys,
            settings.exports,
            settings.exports_dir,
            approvals=requests,
        )
        return cls(
            settings=settings,
            clock=clock,
            database=database,
            audit=audit,
            sessions=SessionManager(
                database,
                clock,
                audit,
                settings.sessions,
                LoginThrottle(database, clock, settings.sessions),
                TotpService(database, clock, audit, totp_key, TOTP_ISSUER),
                ApiTokenService(database, clock, audit, settings.sessions.token_max_days),
            ),
            gate=AccessGate(database, audit, clock),
            grants=GrantService(database, clock, audit),
            groups=GroupService(database, clock, audit),
            camera_groups=CameraGroupService(database, clock, audit),
            permissions=PermissionService(database),
            accounts=AccountService(database, clock, audit),
            cameras=cameras,
            segments=segments,
            store=store,
            keys=keys,
            holds=holds,
            retention=RetentionSweeper(
                database, clock, audit, store, keys, settings.storage, VolumeSpace(store.root)
            ),
            hubs=hubs,
            anchoring=Anchoring(
                audit, settings.audit_anchor_path, clock, settings.audit.anchor_minutes
            ),
            supervisor=supervisor,
            requests=requests,
            exports=exports,
            export_runner=ExportRunner(exports, settings.storage.sweep_seconds),
            compliance=Compliance(settings, database, clock, audit, keys),
        )

    def close(self) -> None:
        self.database.dispose()
