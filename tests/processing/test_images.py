"""The pipeline's image functions: one decode (JPEG draft when large), one orientation transpose,
the 2048 → 800 → 400 cascade, baseline thumbnails, a progressive watermark, the cached overlay."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps

from api.processing import exif, images
from tests.support.images import exif_with_gps, jpeg_bytes


def _two_colour_jpeg(size: tuple[int, int], orientation: int) -> bytes:
    """Left half red, right half blue, stored with an EXIF orientation."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    tags = Image.Exif()
    tags[exif.ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=tags)
    return out.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_decode_applies_the_orientation_like_exif_transpose(orientation: int) -> None:
    data = _two_colour_jpeg((640, 480), orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    upright = images.decode_upright(data)
    assert upright.size == expected.size and upright.mode == "RGB"
    for corner in ((5, 5), (upright.width - 6, upright.height - 6)):
        got, want = upright.getpixel(corner), expected.getpixel(corner)
        assert isinstance(got, tuple) and isinstance(want, tuple)
        assert all(abs(a - b) < 40 for a, b in zip(got, want, strict=True))


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_then_brought_to_the_watermark_size() -> None:
    data = _two_colour_jpeg((6000, 4000), 6)
    source = images.open_image(data)
    source.draft("RGB", images.fit(source.size, images.WATERMARK_MAX_SIDE))
    assert source.size == (3000, 2000)  # the DCT scale decode_upright asks for: 1/2
    upright = images.decode_upright(data)
    assert upright.size == (1365, 2048)  # upright (orientation 6), longest side 2048


def test_thumbnails_cascade_to_their_sizes_upright() -> None:
    upright = images.decode_upright(jpeg_bytes((1200, 900), exif_with_gps()))  # orientation 6
    thumbs = images.thumbnails(upright)
    assert {name: image.size for name, image in thumbs.items()} == {
        "thumb-800": (600, 800),
        "thumb-400": (300, 400),
    }
    small = images.thumbnails(images.decode_upright(jpeg_bytes((320, 240))))
    assert {image.size for image in small.values()} == {(320, 240)}  # never enlarged


def test_thumbnails_are_baseline_and_the_watermark_progressive_without_exif() -> None:
    upright = images.decode_upright(jpeg_bytes((1200, 900), exif_with_gps()))
    thumb = Image.open(io.BytesIO(images.encode_thumbnail(images.thumbnails(upright)["thumb-400"])))
    assert not (thumb.info.get("progressive") or thumb.info.get("progression"))
    marked = Image.open(io.BytesIO(images.encode_watermark(images.watermark(upright, "© Lumen"))))
    assert marked.info.get("progressive") or marked.info.get("progression")
    assert marked.size == (900, 1200) and len(marked.getexif()) == 0 and len(thumb.getexif()) == 0


def test_the_watermark_overlay_is_cached_per_size_and_text() -> None:
    images.watermark_overlay.cache_clear()
    landscape = images.watermark_overlay((1200, 900), "© Lumen")
    assert images.watermark_overlay((1200, 900), "© Lumen") is landscape
    portrait = images.watermark_overlay((900, 1200), "© Lumen")
    assert portrait is not landscape and portrait.line.width < landscape.line.width  # font from width
    assert images.watermark_overlay((1200, 900), "© Other") is not landscape
    assert images.watermark_overlay.cache_info().hits == 1
    assert len(landscape.positions) == 3 and all(0 <= y < 900 for _, y in landscape.positions)


def test_the_watermark_marks_a_copy() -> None:
    upright = images.decode_upright(jpeg_bytes((640, 480)))
    before = upright.tobytes()
    marked = images.watermark(upright, "© Lumen Studio")
    assert upright.tobytes() == before and marked.tobytes() != before


def test_truncated_or_garbage_bytes_are_corrupt() -> None:
    with pytest.raises(images.CorruptImage):
        images.decode_upright(jpeg_bytes()[:3000])
    with pytest.raises(images.CorruptImage):
        images.open_image(b"not an image at all")
