"""The mask filter: one camera's current masks, applied to decoded frames."""

from __future__ import annotations

import av

from mimamoru.media.filters import plane_view
from mimamoru.privacy.masks import Mask, MaskRaster


class MaskState:
    """An immutable mask version with rasters cached per frame size.

    The recorder swaps the whole object when masks change, so a frame is always masked
    by exactly one version.
    """

    def __init__(self, version: int, masks: tuple[Mask, ...]) -> None:
        self.version = version
        self.masks = masks
        self._rasters: dict[tuple[int, int], MaskRaster] = {}

    def raster(self, width: int, height: int) -> MaskRaster:
        """Rasterised once per resolution (and again if the camera changes resolution)."""
        key = (width, height)
        raster = self._rasters.get(key)
        if raster is None:  # only the camera's recorder thread rasterises
            raster = MaskRaster(self.masks, width, height)
            self._rasters[key] = raster
        return raster

    def apply(self, frame: av.VideoFrame) -> None:
        """Burn the masks into a yuv420p frame in place, all three planes."""
        if not self.masks:
            return
        if frame.format.name != "yuv420p":
            raise ValueError(f"masks need yuv420p frames, got {frame.format.name}")
        planes = [plane_view(frame, index) for index in range(3)]
        self.raster(frame.width, frame.height).apply(planes)
