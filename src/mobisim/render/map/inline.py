"""Self-contained HTML: Leaflet and jQuery (vendored in :mod:`mobisim.render.assets`) inlined.

folium links its libraries by URL; for a self-contained page the map points them to
``mobisim-asset:<file>`` (:data:`SELF_CONTAINED_JS`, :data:`SELF_CONTAINED_CSS`) and
:func:`inline_assets` replaces each such link with the file's text, Leaflet's images as data URIs.
"""

from __future__ import annotations

import base64
import re
from importlib import resources

__all__ = ["ASSET_SCHEME", "SELF_CONTAINED_JS", "SELF_CONTAINED_CSS", "inline_assets"]

ASSET_SCHEME = "mobisim-asset:"
#: folium's ``default_js`` / ``default_css`` of a self-contained map: (name, URL) pairs.
SELF_CONTAINED_JS = [("leaflet", ASSET_SCHEME + "leaflet.js"), ("jquery", ASSET_SCHEME + "jquery.min.js")]
SELF_CONTAINED_CSS = [("leaflet_css", ASSET_SCHEME + "leaflet.css")]
_SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc\s*=\s*"([^"]+)"[^>]*>\s*</script>', re.I)
_LINK_CSS = re.compile(r'<link\b[^>]*\bhref\s*=\s*"([^"]+)"[^>]*>', re.I)
_CSS_IMAGE = re.compile(r"url\(images/([\w\-]+\.png)\)")


def _asset(name: str) -> bytes:
    """A file of :mod:`mobisim.render.assets`."""
    return resources.files("mobisim.render.assets").joinpath(name).read_bytes()


def _image_uri(match: re.Match[str]) -> str:
    """``url(images/x.png)`` in Leaflet's CSS → the vendored ``leaflet-x.png`` as a data URI."""
    png = base64.b64encode(_asset("leaflet-" + match.group(1))).decode("ascii")
    return f"url(data:image/png;base64,{png})"


def _asset_text(name: str) -> str:
    """A vendored script or stylesheet as text, without its source-map comment."""
    text = _asset(name).decode("utf-8")
    text = re.sub(r"//# sourceMappingURL=\S+", "", text)
    if name.endswith(".css"):  # Leaflet's control/marker images as data URIs
        text = _CSS_IMAGE.sub(_image_uri, text)
    return text


def _inline_script(match: re.Match[str]) -> str:
    """A ``<script src="mobisim-asset:…">`` as an inline script (``</script`` inside escaped)."""
    src = match.group(1)
    if not src.startswith(ASSET_SCHEME):
        return match.group(0)
    return "<script>" + _asset_text(src[len(ASSET_SCHEME):]).replace("</script", "<\\/script") + "</script>"


def _inline_stylesheet(match: re.Match[str]) -> str:
    """A ``<link rel="stylesheet" href="mobisim-asset:…">`` as an inline ``<style>``."""
    tag, href = match.group(0), match.group(1)
    if "stylesheet" not in tag.lower() or not href.startswith(ASSET_SCHEME):
        return tag
    return "<style>" + _asset_text(href[len(ASSET_SCHEME):]) + "</style>"


def inline_assets(page: str) -> str:
    """Inline every ``mobisim-asset:`` script/stylesheet of ``page``; fail on any other external one.

    Parameters
    ----------
    page
        An HTML page.

    Returns
    -------
    str
        The page with the vendored files inlined.

    Raises
    ------
    ValueError
        When a script or stylesheet still points to a URL after inlining (a folium element whose
        library is not vendored in :mod:`mobisim.render.assets`).
    """
    page = _SCRIPT_SRC.sub(_inline_script, page)
    page = _LINK_CSS.sub(_inline_stylesheet, page)
    left = [m.group(1) for m in _SCRIPT_SRC.finditer(page)]
    left += [m.group(1) for m in _LINK_CSS.finditer(page) if "stylesheet" in m.group(0).lower()]
    if left:
        raise ValueError(f"map.html still loads external files after inlining: {', '.join(left)}")
    return page
