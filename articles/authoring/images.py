"""Images uploaded from the editor: checked and re-encoded by Pillow, stored in the media storage.

Only raster formats a browser shows as a picture are taken (PNG, JPEG, GIF, WebP). The
format is what Pillow reads in the bytes, never the file name or the browser's content
type, so an SVG or an HTML page renamed `.png` is refused: both can carry scripts.

What is stored is never the uploaded file but its pixels, encoded again in the same
format (`clean_image()`): EXIF (a phone's GPS position, the camera's serial number), XMP,
comments and whatever was appended after the image data (a zip, a script) stay behind.
The EXIF orientation is applied to the pixels first, so a photo stays upright; a colour
profile is converted to sRGB; PNG, GIF and WebP keep their transparency; animated GIF and
WebP keep their frames, timing and looping.

The size in pixels is read from the header before anything is decoded, and refused past
`limits.MAX_IMAGE_PIXELS` (one picture) or `limits.MAX_ANIMATION_PIXELS` (all frames): a
tiny file claiming 50000×50000 pixels gets "image too large (50000×50000)".
"""

import contextlib
import uuid
import warnings
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, ImageSequence, JpegImagePlugin, UnidentifiedImageError

from markup.limits import MAX_ANIMATION_PIXELS, MAX_IMAGE_PIXELS

FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
SRGB = ImageCms.createProfile("sRGB")
# Pixel modes stored as they are; others become RGB (or RGBA when transparent).
KEPT_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}


def _accepted():
    return _("PNG, JPEG, GIF or WebP")


class BadImage(ValueError):
    """An upload that is not stored; the message tells the author why."""


def max_bytes():
    return getattr(settings, "KB_IMAGE_MAX_BYTES", 5 * 1024 * 1024)


def readable_size(size):
    """1.5 MB, 300 KB or 12 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size // 1024} KB" if size >= 1024 else _("%(count)s bytes") % {"count": size}


def too_large(size, name):
    """The message for a file of `size` bytes, or "" when it is within the limit."""
    if size <= max_bytes():
        return ""
    return _("%(name)s is %(size)s; images may be at most %(limit)s.") % {
        "name": name,
        "size": readable_size(size),
        "limit": readable_size(max_bytes()),
    }


def _megapixels(pixels):
    return _("%(count)s megapixels") % {"count": f"{pixels / 1_000_000:g}"}


def _header_only(data):
    """`data` opened by the Pillow plugin that accepts it, bypassing Image.open()'s bomb check.

    Image.open() refuses a picture of more than twice Image.MAX_IMAGE_PIXELS without saying
    its size, and Pillow has no public call that reads a header without that check; the
    plugins' own classes (Image.OPEN, what Image.open() uses) read the header and decode
    nothing. Only for the message: the size is checked by `_check_size()` all the same.
    """
    for kind in FORMATS:
        factory, accept = Image.OPEN[kind]
        accepted = accept(data[:16]) if accept else True
        if accepted and not isinstance(accepted, str):
            return factory(BytesIO(data), "")
    raise UnidentifiedImageError


def _open(data, name):
    """The image in `data`, its header read and its size checked, nothing decoded yet."""
    try:
        with warnings.catch_warnings():
            # Our own limit is lower than Pillow's warning threshold: _check_size() says it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                image = Image.open(BytesIO(data))
            except Image.DecompressionBombError:
                image = _header_only(data)
    except UnidentifiedImageError:
        raise BadImage(
            _("%(name)s is not an image this site accepts: upload %(formats)s (SVG and HTML are refused).")
            % {"name": name, "formats": _accepted()}
        ) from None
    except Exception:  # Pillow raises many kinds of error for a damaged header
        raise BadImage(_("%(name)s is damaged: the image cannot be read.") % {"name": name}) from None
    if image.format not in FORMATS:
        raise BadImage(
            _("%(name)s is a %(format)s image; upload %(formats)s.")
            % {"name": name, "format": image.format, "formats": _accepted()}
        )
    _check_size(image, name)
    return image


def _check_size(image, name):
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise BadImage(
            _("%(name)s: image too large (%(width)s×%(height)s); images may have at most %(most)s.")
            % {"name": name, "width": width, "height": height, "most": _megapixels(MAX_IMAGE_PIXELS)}
        )
    frames = getattr(image, "n_frames", 1)
    if frames * width * height > MAX_ANIMATION_PIXELS:
        raise BadImage(
            _(
                "%(name)s: animation too large (%(frames)s frames of %(width)s×%(height)s); an animation may have "
                "at most %(most)s in all its frames together. Shorten it or make it smaller."
            )
            % {
                "name": name,
                "frames": frames,
                "width": width,
                "height": height,
                "most": _megapixels(MAX_ANIMATION_PIXELS),
            }
        )


def _pixels(frame, transparent):
    """A copy of `frame` upright, in sRGB, with nothing but pixels (and a palette)."""
    frame = ImageOps.exif_transpose(frame)
    profile = frame.info.get("icc_profile")
    if transparent and frame.mode not in ("RGBA", "LA"):
        # The transparency of P, L and RGB pictures lives in `info`, which is dropped below.
        frame = frame.convert("RGBA")
    elif frame.mode not in KEPT_MODES:
        frame = frame.convert("RGB")  # CMYK and YCbCr JPEGs, for instance
    if profile and frame.mode in ("RGB", "RGBA"):
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):  # broken: the pixels as they are
            frame = ImageCms.profileToProfile(frame, BytesIO(profile), SRGB, outputMode=frame.mode)
    clean = frame.copy()
    clean.info = {}
    return clean


def _encode_still(image, kind, data):
    transparent = kind != "JPEG" and (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info)
    clean = _pixels(image, transparent)
    out = BytesIO()
    if kind == "JPEG":
        clean = clean if clean.mode in ("L", "RGB") else clean.convert("RGB")
        # The upload's own quantization tables and subsampling: about its quality and size.
        try:
            clean.save(
                out, "JPEG", qtables=image.quantization, subsampling=JpegImagePlugin.get_sampling(image), optimize=True
            )
        except (ValueError, TypeError, OSError, AttributeError):
            out = BytesIO()
            clean.save(out, "JPEG", quality=90, optimize=True)
    elif kind == "PNG":
        clean.save(out, "PNG", optimize=False)
    elif kind == "WEBP":
        clean.save(out, "WEBP", **_webp_options(data))
    else:
        clean.save(out, "GIF")
    return out.getvalue()


def _webp_options(data):
    # A lossless upload (a screenshot, say) stays lossless; a photo is encoded at quality 90.
    return {"lossless": True} if b"VP8L" in data else {"quality": 90}


def _encode_animation(image, kind, data):
    frames, durations = [], []
    transparent = kind == "WEBP" or "transparency" in image.info or image.mode in ("RGBA", "PA", "LA")
    for frame in ImageSequence.Iterator(image):
        frames.append(_pixels(frame, transparent or "transparency" in frame.info or frame.mode == "RGBA"))
        durations.append(frame.info.get("duration", 100))  # WebP says it once the frame is loaded
    options = {"save_all": True, "append_images": frames[1:], "duration": durations, "loop": image.info.get("loop", 0)}
    if kind == "WEBP":
        options.update(_webp_options(data))
    else:
        # Each frame is the whole picture (Pillow composes them): the next replaces it.
        options["disposal"] = 2
    out = BytesIO()
    frames[0].save(out, kind, **options)
    return out.getvalue()


def clean_image(data, name=None):
    """`data` re-encoded without metadata or trailing bytes, and its file extension; or BadImage.

    Raises BadImage for a file over the byte limit, something that is not a PNG, JPEG, GIF
    or WebP picture, a damaged one, or one with too many pixels (checked before decoding).
    """
    name = name or _("the file")
    if message := too_large(len(data), name):
        raise BadImage(message)
    with _open(data, name) as image:
        kind = image.format
        try:
            if getattr(image, "n_frames", 1) > 1:
                cleaned = _encode_animation(image, kind, data)
            else:
                cleaned = _encode_still(image, kind, data)
        except BadImage:
            raise
        except Exception:  # a truncated or corrupt body: Pillow's errors are many and varied
            raise BadImage(_("%(name)s is damaged: the image cannot be read.") % {"name": name}) from None
    return cleaned, FORMATS[kind]


def store_image(data, name=None):
    """Check, re-encode and store `data`; return its public URL."""
    cleaned, extension = clean_image(data, name)
    path = f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    return default_storage.url(default_storage.save(path, ContentFile(cleaned)))
