"""Sign attestations judge "today" where the sign hangs (site.timezone), not in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mimamoru.clock import ManualClock
from mimamoru.errors import ValidationFailedError
from mimamoru.services import Services
from tests.conftest import make_installation


def test_a_sign_put_up_this_morning_in_tokyo_is_not_in_the_future(tmp_path: Path) -> None:
    installation = make_installation(tmp_path)
    # 23:30 UTC on the 29th is 08:30 on the 30th in Tokyo (the default site.timezone).
    services = Services.build(
        installation.settings(), ManualClock(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    )
    try:
        camera = services.cameras.add(
            name="Door", source="test://pattern", purposes=["safety"], actor="t"
        )
        record = services.compliance.attestations.record(
            camera.id, date(2026, 11, 30), "Sato", actor="t"
        )
        assert record.installed_on == date(2026, 11, 30) and not record.needs_reprint
        with pytest.raises(ValidationFailedError, match="future"):
            services.compliance.attestations.record(camera.id, date(2026, 12, 1), "Sato", actor="t")
    finally:
        services.close()
