"""A tile server on loopback for the tile tests (no internet): every tile is a PNG whose pixels
say where they belong, so placement can be checked from a rendered image.

Pixel (col, row) of tile (z, x, y): R = col, G = row, B = (x mod 16)·16 + (y mod 16), A = 255.
Paths: ``/xyz/{z}/{x}/{y}.png``, ``/tms/{z}/{x}/{y}.png`` (TMS rows: the server flips them back),
``/tdt/img_w/wmts?…TILEMATRIX=z&TILEROW=y&TILECOL=x&tk=KEY`` (Tianditu's form: a wrong key
gets an XML error with status 200, as Tianditu answers). ``fail`` holds tiles answered with 404,
``delay`` seconds are waited before each answer, ``hits`` counts requests per path.
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

KEY = "test-key-123"


def encoded_tile(z: int, x: int, y: int) -> np.ndarray:
    """The RGBA pixels of tile (z, x, y) (see the module doc)."""
    a = np.empty((256, 256, 4), dtype=np.uint8)
    a[..., 0] = np.arange(256)[None, :]
    a[..., 1] = np.arange(256)[:, None]
    a[..., 2] = (x % 16) * 16 + (y % 16)
    a[..., 3] = 255
    return a


def png_bytes(rgba: np.ndarray) -> bytes:
    from rasterio.io import MemoryFile

    import mapedit.io.raster  # noqa: F401 - silences NotGeoreferencedWarning (thread-safe)

    h, w = rgba.shape[:2]
    with MemoryFile() as mem:
        with mem.open(driver="PNG", width=w, height=h, count=4, dtype="uint8") as d:
            d.write(np.ascontiguousarray(rgba.transpose(2, 0, 1)))
        return bytes(mem.read())


class TileServer:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.fail: set[tuple[int, int, int]] = set()
        self.hits: Counter[str] = Counter()
        self._png: dict[tuple[int, int, int], bytes] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server._answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _tile(self, z: int, x: int, y: int) -> bytes:
        with self._lock:
            data = self._png.get((z, x, y))
        if data is None:
            data = png_bytes(encoded_tile(z, x, y))
            with self._lock:
                self._png[(z, x, y)] = data
        return data

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        import time

        parts = urlsplit(h.path)
        with self._lock:
            self.hits[parts.path] += 1
        if self.delay:
            time.sleep(self.delay)
        seg = parts.path.strip("/").split("/")
        try:
            if seg[0] in ("xyz", "tms") and len(seg) == 4:
                z, x = int(seg[1]), int(seg[2])
                y = int(seg[3].split(".")[0])
                if seg[0] == "tms":
                    y = 2 ** z - 1 - y
            elif seg[0] == "tdt":
                q = {k.upper(): v[0] for k, v in parse_qs(parts.query).items()}
                if q.get("TK") != KEY:
                    body = ("<?xml version=\"1.0\"?><msg>权限类型错误</msg>").encode()
                    h.send_response(200)
                    h.send_header("Content-Type", "text/xml")
                    h.send_header("Content-Length", str(len(body)))
                    h.end_headers()
                    h.wfile.write(body)
                    return
                z, x, y = int(q["TILEMATRIX"]), int(q["TILECOL"]), int(q["TILEROW"])
            else:
                raise ValueError(parts.path)
        except (ValueError, KeyError, IndexError):
            h.send_error(400)
            return
        if (z, x, y) in self.fail:
            h.send_error(404)
            return
        data = self._tile(z, x, y)
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
