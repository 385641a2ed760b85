"""Signs and the audit report through the API, from the records: text, QR, sizes, refusals."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.compliance.pdfcheck import all_text, fonts, reader, squashed
from tests.conftest import RunningServer, ServerFactory

NOTICE = "https://cameras.example.jp"
# Unreachable: configured to record, without spending a recording's CPU.
DEAD = "rtsp://127.0.0.1:9/x"
A4_POINTS = (595, 842)
A3_POINTS = (842, 1191)


@pytest.fixture
def served(start_server: ServerFactory) -> Iterator[tuple[httpx.Client, RunningServer]]:
    server = start_server(compliance={"public_base_url": NOTICE})
    with server.client() as client:
        client.headers["Authorization"] = f"Bearer {server.login(client)}"
        yield client, server


def page_size(pdf: bytes) -> tuple[int, int]:
    box = reader(pdf).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_camera_and_site_signs_carry_the_records(
    served: tuple[httpx.Client, RunningServer],
) -> None:
    client, _server = served
    client.put(
        "/api/v1/compliance/profile",
        json={
            "business_name": "見守る商店",
            "contact_department": "お客様窓口",
            "contact_phone": "03-0000-0000",
            "contact_email": "privacy@example.jp",
        },
    )
    site = client.post("/api/v1/sites", json={"name": "渋谷店"}).json()
    camera = client.post(
        "/api/v1/cameras",
        json={
            "name": "Back office till",
            "source": DEAD,
            "retention_hours": 168,
            "retention_justification": "Closed on weekends",
            "purposes": ["crime_prevention", "safety"],
        },
    ).json()
    client.put(f"/api/v1/cameras/{camera['id']}/site", json={"site_id": site["id"]})

    pdf = client.get(f"/api/v1/cameras/{camera['id']}/signage.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = squashed(all_text(pdf.content))
    for words in (
        "防犯カメラ作動中",
        "CCTVinoperation",
        "見守る商店",
        "渋谷店",
        "防犯",
        "Crimeprevention",
        "安全管理",
        "Safetymanagement",
        "7日間",
        "7days",
        "お客様窓口",
        "privacy@example.jp",
    ):
        assert words in text, words
    assert "Backofficetill" not in text, "internal camera names stay off the sign"
    assert all(font.embedded_as for font in fonts(pdf.content))
    assert page_size(pdf.content) == A4_POINTS

    a3 = client.get(f"/api/v1/cameras/{camera['id']}/signage.pdf", params={"size": "a3"})
    assert a3.status_code == 200 and page_size(a3.content) == A3_POINTS

    png = client.get(f"/api/v1/cameras/{camera['id']}/signage.pdf", params={"format": "png"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    codes = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert codes == [f"{NOTICE}/privacy"]

    whole_site = client.get(f"/api/v1/sites/{site['id']}/signage.pdf")
    assert whole_site.status_code == 200
    assert "安全管理" in squashed(all_text(whole_site.content))


def test_bad_sign_requests_are_refused_clearly(served: tuple[httpx.Client, RunningServer]) -> None:
    client, _server = served
    camera = client.post("/api/v1/cameras", json={"name": "Door", "source": DEAD}).json()
    url = f"/api/v1/cameras/{camera['id']}/signage.pdf"
    no_purpose = client.get(url)
    assert no_purpose.status_code == 409
    assert "no purpose of use registered" in no_purpose.json()["detail"]
    for params, words in (
        ({"size": "B5"}, "unsupported paper size 'B5'"),
        ({"format": "gif"}, "unsupported format 'gif'"),
    ):
        refused = client.get(url, params=params)
        assert refused.status_code == 422 and words in refused.json()["detail"]
    site = client.post("/api/v1/sites", json={"name": "Empty"}).json()
    empty = client.get(f"/api/v1/sites/{site['id']}/signage.pdf")
    assert empty.status_code == 409
    assert client.get("/api/v1/sites/999/signage.pdf").status_code == 404


def test_dashboard_report_pdf(served: tuple[httpx.Client, RunningServer]) -> None:
    client, server = served
    client.post("/api/v1/cameras", json={"name": "Door", "source": DEAD, "purposes": ["safety"]})
    response = client.get("/api/v1/compliance/dashboard.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = squashed(all_text(response.content))
    for words in ("Privacycompliancereport", "Operatorprofilecomplete", "Door:Signattested"):
        assert words in text, words
    assert server.services.audit.search(action="compliance.report")
