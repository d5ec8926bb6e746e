"""Uploaded images are stored as pixels only: no EXIF/GPS, no appended payload, upright, and
a decompression bomb is refused with its size (issue 12, point 14).

Through the editor's upload endpoint, as the author's browser sends them; the stored file
is read back from the media storage.
"""

import struct
import time
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageSequence

pytestmark = pytest.mark.django_db

ZIP_PAYLOAD = b"PK\x03\x04" + b"\x14\x00" * 10 + b"secret.txt<script>alert(1)</script>" + b"PK\x05\x06" + b"\x00" * 18
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (39.0, 54.0, 27.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    return tmp_path


def upload(client, data, name):
    return client.post(reverse("admin:articles_article_upload_image"), {"image": SimpleUploadedFile(name, data)})


def stored(client, media, data, name):
    """Upload `data`; the bytes the site stored."""
    response = upload(client, data, name)
    assert response.status_code == 201, response.json()
    return (media / response.json()["url"].removeprefix("/media/")).read_bytes()


def exif_with_gps(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def landscape_with_a_red_left_edge():
    """40×20, white, the left 5 columns red: after a rotation the red edge is elsewhere."""
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 5, 20))
    return image


def close(pixel, colour, slack=40):
    return all(abs(a - b) <= slack for a, b in zip(pixel, colour, strict=False))


def test_a_photo_loses_exif_gps_and_an_appended_zip_and_stays_upright(staff_client, media):
    buffer = BytesIO()
    # Orientation 6: the camera was turned; viewers rotate the picture 90° clockwise.
    landscape_with_a_red_left_edge().save(buffer, "JPEG", quality=95, exif=exif_with_gps(orientation=6).tobytes())
    upload_bytes = buffer.getvalue() + ZIP_PAYLOAD
    assert b"PhoneMaker" in upload_bytes

    data = stored(staff_client, media, upload_bytes, "photo.jpg")
    assert b"PK\x03\x04" not in data and b"<script>" not in data and b"secret.txt" not in data
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert image.size == (20, 40)  # turned as the viewer turned it
        rgb = image.convert("RGB")
        assert close(rgb.getpixel((10, 1)), (255, 0, 0)) and close(rgb.getpixel((10, 38)), (255, 255, 255))


def test_a_png_keeps_its_transparency_and_loses_text_chunks_and_trailing_bytes(staff_client, media):
    from PIL import PngImagePlugin

    image = Image.new("RGBA", (10, 10), (0, 0, 255, 0))
    image.paste((0, 200, 0, 255), (0, 0, 5, 10))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at home, 39.9N 116.4E")
    buffer = BytesIO()
    image.save(buffer, "PNG", pnginfo=text, exif=exif_with_gps().tobytes())
    data = stored(staff_client, media, buffer.getvalue() + ZIP_PAYLOAD, "diagram.png")
    assert b"PK\x03\x04" not in data and b"39.9N" not in data and b"PhoneMaker" not in data
    assert data.endswith(b"IEND\xaeB`\x82")
    with Image.open(BytesIO(data)) as back:
        assert back.format == "PNG" and back.mode == "RGBA" and not back.info.get("Comment")
        assert back.getpixel((8, 5))[3] == 0 and back.getpixel((2, 5)) == (0, 200, 0, 255)


def test_a_palette_png_with_a_transparent_colour_stays_transparent(staff_client, media):
    image = Image.new("P", (6, 6), 1)
    image.putpalette([255, 255, 255, 255, 0, 0] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 3, 6))
    buffer = BytesIO()
    image.save(buffer, "PNG", transparency=0)
    with Image.open(BytesIO(stored(staff_client, media, buffer.getvalue(), "p.png"))) as back:
        rgba = back.convert("RGBA")
        assert rgba.getpixel((1, 1))[3] == 0 and rgba.getpixel((4, 1)) == (255, 0, 0, 255)


def animation_frames():
    frames = []
    for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255)):
        frame = Image.new("RGB", (12, 8), (255, 255, 255))
        frame.paste(colour, (2, 2, 10, 6))
        frames.append(frame)
    return frames


@pytest.mark.parametrize("kind", ["GIF", "WEBP"])
def test_an_animation_stays_animated_with_its_timing(staff_client, media, kind):
    frames = animation_frames()
    buffer = BytesIO()
    options = {"comment": b"GPS 39.9N"} if kind == "GIF" else {"exif": exif_with_gps().tobytes()}
    frames[0].save(buffer, kind, save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0, **options)
    data = stored(staff_client, media, buffer.getvalue() + ZIP_PAYLOAD, f"anim.{kind.lower()}")
    assert b"PK\x03\x04" not in data and b"GPS 39.9N" not in data and b"PhoneMaker" not in data
    with Image.open(BytesIO(data)) as back:
        assert back.format == kind and back.n_frames == 3 and back.info.get("loop") == 0
        seen = [
            (frame.convert("RGB").getpixel((5, 4)), frame.info["duration"]) for frame in ImageSequence.Iterator(back)
        ]
    assert [duration for _, duration in seen] == [100, 200, 300]
    for (pixel, _), colour in zip(seen, ((255, 0, 0), (0, 255, 0), (0, 0, 255)), strict=True):
        assert close(pixel, colour), (pixel, colour)


def png_claiming(width, height):
    """A valid PNG of a few hundred bytes whose header claims `width`×`height` pixels."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(50000, 50000), (8000, 6000)])
def test_a_decompression_bomb_is_refused_with_its_size_at_once(staff_client, media, width, height):
    data = png_claiming(width, height)
    assert len(data) < 1000
    started = time.perf_counter()
    response = upload(staff_client, data, "bomb.png")
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert f"image too large ({width}×{height})" in response.json()["error"]
    assert "bomb.png" in response.json()["error"] and "40 megapixels" in response.json()["error"]
    assert elapsed < 2 and not any(media.rglob("*.*"))


def test_an_animation_of_too_many_pixels_in_all_is_refused(staff_client, media):
    frames = []  # 32 frames of 2000×2000, 128 megapixels in all, in a 29 KB file
    for n in range(32):
        frame = Image.new("P", (2000, 2000), 0)
        frame.putpalette([0, 0, 0, 255, 255, 255])
        frame.putpixel((n, 0), 1)
        frames.append(frame)
    buffer = BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    response = upload(staff_client, buffer.getvalue(), "long.gif")
    assert response.status_code == 400
    assert "animation too large (32 frames of 2000×2000)" in response.json()["error"]
    assert not any(media.rglob("*.*"))


def test_a_picture_whose_data_is_cut_short_is_refused_as_damaged(staff_client, media):
    buffer = BytesIO()
    Image.effect_noise((300, 200), 60).save(buffer, "PNG")
    response = upload(staff_client, buffer.getvalue()[: len(buffer.getvalue()) // 2], "half.png")
    assert response.status_code == 400 and "half.png is damaged" in response.json()["error"]
    assert not any(media.rglob("*.*"))
