"""Images uploaded from the editor: checked by Pillow, stored in the media storage.

Only raster formats a browser shows as a picture are taken (PNG, JPEG, GIF, WebP). The
format is what Pillow reads in the bytes, never the file name or the browser's content
type, so an SVG or an HTML page renamed `.png` is refused: both can carry scripts.
"""

import uuid
import warnings
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # a 40-megapixel picture is already far larger than a page needs


class BadImage(ValueError):
    """An upload that is not stored; the message tells the author why."""


def max_bytes():
    return getattr(settings, "KB_IMAGE_MAX_BYTES", 5 * 1024 * 1024)


def readable_size(size):
    """1.5 MB, 300 KB or 12 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"


def too_large(size, name):
    """The message for a file of `size` bytes, or "" when it is within the limit."""
    if size <= max_bytes():
        return ""
    return f"{name} is {readable_size(size)}; images may be at most {readable_size(max_bytes())}."


def check_image(data, name="the file"):
    """The file extension for `data` (an image Pillow reads), or BadImage with the reason."""
    if message := too_large(len(data), name):
        raise BadImage(message)
    accepted = "PNG, JPEG, GIF or WebP"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(
            f"{name} is not an image this site accepts: upload {accepted} (SVG and HTML are refused)."
        ) from None
    except Exception:  # Pillow raises many kinds of error for a damaged file
        raise BadImage(f"{name} is damaged: the image cannot be read.") from None
    if kind not in FORMATS:
        raise BadImage(f"{name} is a {kind} image; upload {accepted}.")
    if width * height > MAX_PIXELS:
        raise BadImage(f"{name} is {width}×{height} pixels; images may have at most 40 megapixels.")
    return FORMATS[kind]


def store_image(data, name="the file"):
    """Check and store `data`; return its public URL."""
    extension = check_image(data, name)
    path = f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    return default_storage.url(default_storage.save(path, ContentFile(data)))
