"""The compliance parts wired together, as ``Services.compliance``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.attestations import PHOTO_SECRET_NAME, AttestationService
from mimamoru.compliance.dashboard import Dashboard, build_dashboard
from mimamoru.compliance.notice import Notice, build_notice
from mimamoru.compliance.profile import ProfileService
from mimamoru.compliance.purposes import PurposeService
from mimamoru.compliance.reviews import ReviewService
from mimamoru.compliance.sites import SiteService
from mimamoru.crypto.keyring import KeyRing
from mimamoru.db.engine import Database
from mimamoru.settings import Settings

NOTICE_PATH = "/privacy"


class Compliance:
    def __init__(
        self, settings: Settings, database: Database, clock: Clock, audit: AuditLog, keys: KeyRing
    ) -> None:
        self._settings = settings
        self._database = database
        self._clock = clock
        self.profile = ProfileService(database, clock, audit)
        self.purposes = PurposeService(database, clock, audit)
        self.sites = SiteService(database, clock, audit)
        self.attestations = AttestationService(
            database, clock, audit, keys.secret(PHOTO_SECRET_NAME)[0]
        )
        self.reviews = ReviewService(database, clock, audit)

    @property
    def notice_url(self) -> str:
        return self._settings.public_base_url + NOTICE_PATH

    def notice(self) -> Notice:
        return build_notice(
            self._database,
            self.profile.get(),
            self.notice_url,
            ZoneInfo(self._settings.site.timezone),
        )

    def dashboard(self) -> Dashboard:
        return build_dashboard(
            self._database, self.profile.get(), self._settings.compliance, self._clock.now()
        )
