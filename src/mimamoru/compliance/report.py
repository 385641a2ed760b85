"""The dashboard as a PDF report for an audit: the same items, sections per site."""

from __future__ import annotations

from mimamoru.compliance.dashboard import Dashboard, Item
from mimamoru.compliance.report_pdf import ReportDocument, ReportRow, ReportSection

TITLE = "個人情報保護 点検報告 / Privacy compliance report"


def _row(item: Item, base_url: str, prefix: str = "") -> ReportRow:
    return ReportRow(
        label=f"{prefix}{item.label}",
        status="ok" if item.ok else "attention",
        detail=item.detail,
        link=base_url + item.fix,
    )


def dashboard_report(board: Dashboard, operator_name: str, base_url: str) -> ReportDocument:
    """The report; each item links to where it is fixed on this server (``base_url``)."""
    sections = [
        ReportSection("Installation", tuple(_row(item, base_url) for item in board.installation))
    ]
    for site in board.sites:
        rows = tuple(
            _row(item, base_url, f"{camera.name}: ")
            for camera in site.cameras
            for item in camera.items
        )
        if rows:
            sections.append(ReportSection(f"Site: {site.name}", rows))
    subtitle = f"{operator_name} — " if operator_name else ""
    subtitle += f"{board.problems} item(s) need attention; this is an aid, not legal advice"
    return ReportDocument(
        title=TITLE, subtitle=subtitle, generated_at=board.generated_at, sections=tuple(sections)
    )
