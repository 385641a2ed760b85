"""Live latency measured in real Chromium through the test pattern's time stripe.

The page reads the capture time burned into the frame being shown and subtracts it from
its own clock (the same machine's clock as the server's). The test asserts that latency is
measured and shown; it reports the figure but sets no bound on it — timings belong in
bench/live_fanout.py, not in a test that runs on a loaded machine.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.web.conftest import SLOW, admin_page, no_errors

CAMERA = "test://pattern?size=640x360&rate=15&clock=1"
SAMPLE_MS = 4000

# Collects (page clock minus stripe time) for each presented frame over a few seconds.
COLLECT = """async (duration) => {
  const video = document.getElementById("live-video");
  const samples = [];
  let misses = 0;
  const stop = measureLatency(video, (latency) => {
    if (latency === null) misses += 1; else samples.push(latency);
  });
  await new Promise((resolve) => setTimeout(resolve, duration));
  stop();
  return { samples, misses, currentTime: video.currentTime };
}"""


def test_live_latency_is_measured_from_the_time_stripe_and_shown(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    camera = server.services.cameras.add(
        name="Stripe",
        source=CAMERA,
        retention_hours=24,
        purposes=["crime_prevention"],  # without a purpose a camera does not record
        actor="test",
    )
    page = admin_page(browser, server)
    errors = no_errors(page)
    page.goto(f"{server.url}/live?camera={camera.id}&latency=1")
    expect(page.locator("#live-video")).to_have_attribute("data-state", "live", timeout=SLOW)
    overlay = page.locator("#latency-overlay")
    # The overlay shows a number once frames with a readable stripe are playing.
    expect(overlay).to_have_attribute("data-latency-ms", re.compile(r"^-?\d+$"), timeout=SLOW)
    result = page.evaluate(COLLECT, SAMPLE_MS)
    page.screenshot(path=str(tmp_path / "live-latency.png"))
    samples = [float(value) for value in result["samples"]]
    assert len(samples) >= 10, f"too few frames with a readable stripe: {result}"
    assert all(math.isfinite(value) for value in samples)
    # Same clock on both ends: a frame cannot be shown before it was captured.
    assert min(samples) > 0, f"latency below zero means the stripe was misread: {samples}"
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    shown = overlay.get_attribute("data-latency-ms")
    assert shown is not None and int(shown) > 0
    assert overlay.inner_text().startswith("Latency:")
    report = {
        "samples": len(samples),
        "unreadable": result["misses"],
        "latency_p50_ms": round(p50),
        "latency_p95_ms": round(p95),
        "overlay_ms": int(shown),
    }
    (tmp_path / "live-latency.json").write_text(json.dumps(report), encoding="utf-8")
    print(f"live latency in Chromium: {json.dumps(report)}")
    assert errors == []
