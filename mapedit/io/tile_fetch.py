"""Getting tiles without ever blocking the map: a disk cache and a background fetcher (no Qt).

:class:`TileCache` keeps fetched tiles in the per-user cache folder, one file per tile under a
folder named after the service's template (never its key), written atomically; tiles older than
``max_age`` are refetched, but still shown while that happens.

:class:`TileFetcher` is what a tile renderer talks to. ``cached(z, x, y)`` answers at once from
memory or disk (never the network); ``request(tiles, on_tile, on_fail)`` returns immediately and
fetches the missing tiles on a small thread pool, calling ``on_tile(z, x, y, data)`` or
``on_fail(z, x, y, reason)`` **from a worker thread** (a Qt renderer forwards them to the GUI
thread with a queued signal). ``state(z, x, y)`` is ``ok``, ``pending``, ``failed`` or
``missing`` — the renderer draws failed tiles as such. A failed tile is not asked for again
for ``retry_after`` seconds. ``cancel_except(tiles)`` drops queued requests the view no longer
needs. ``wait(tiles, timeout)`` blocks, for the command line (``tiles-pack``, ``render``).

:class:`MBTilesProvider` offers the same interface over an offline MBTiles file.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from mapedit import __version__
from mapedit.io.tiles import TileService

OK, PENDING, FAILED, MISSING = "ok", "pending", "failed", "missing"
TileKey = tuple[int, int, int]
OnTile = Callable[[int, int, int, bytes], None]
OnFail = Callable[[int, int, int, str], None]

USER_AGENT = f"mapedit/{__version__} (street micro-grid editor)"


def image_kind(data: bytes) -> str | None:
    """``png``, ``jpg``, ``webp``, ``gif`` from the first bytes (None: not an image)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


class TileCache:
    """Tiles on disk, keyed by the service's template and z/x/y (see the module doc)."""

    def __init__(self, root: Path | None = None, max_age: float = 30 * 86400.0) -> None:
        if root is None:
            from mapedit.io.cache_dir import user_cache_dir

            root = user_cache_dir("tiles")
        self.root = Path(root)
        self.max_age = max_age

    def _path(self, service_key: str, z: int, x: int, y: int) -> Path:
        folder = hashlib.sha1(service_key.encode("utf-8")).hexdigest()[:16]
        return self.root / folder / str(z) / str(x) / f"{y}.tile"

    def get(self, service_key: str, z: int, x: int, y: int, stale: bool = False
            ) -> bytes | None:
        """The cached tile (None if absent, or expired unless ``stale``)."""
        p = self._path(service_key, z, x, y)
        try:
            st = p.stat()
            if not stale and time.time() - st.st_mtime > self.max_age:
                return None
            return p.read_bytes()
        except OSError:
            return None

    def fresh(self, service_key: str, z: int, x: int, y: int) -> bool:
        """Whether a tile is cached and not expired (a stat, no read)."""
        try:
            st = self._path(service_key, z, x, y).stat()
        except OSError:
            return False
        return time.time() - st.st_mtime <= self.max_age

    def put(self, service_key: str, z: int, x: int, y: int, data: bytes) -> None:
        p = self._path(service_key, z, x, y)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(f"{p.name}.{os.getpid()}.{threading.get_ident()}.part")
            tmp.write_bytes(data)
            os.replace(tmp, p)
        except OSError:
            pass  # a full or read-only cache only costs a refetch

    def clear(self, service_key: str | None = None) -> None:
        import shutil

        target = self.root if service_key is None else \
            self.root / hashlib.sha1(service_key.encode("utf-8")).hexdigest()[:16]
        shutil.rmtree(target, ignore_errors=True)


class TileProvider(Protocol):
    """What a tile renderer needs from a source (network or offline file)."""

    service: TileService

    def cached(self, z: int, x: int, y: int) -> bytes | None: ...
    def request(self, tiles: Iterable[TileKey], on_tile: OnTile | None = None,
                on_fail: OnFail | None = None) -> list[TileKey]: ...
    def state(self, z: int, x: int, y: int) -> str: ...
    def cancel_except(self, tiles: Iterable[TileKey]) -> None: ...
    def wait(self, tiles: Iterable[TileKey], timeout: float
             ) -> tuple[dict[TileKey, bytes], dict[TileKey, str]]: ...
    def close(self) -> None: ...


def http_get(url: str, timeout: float) -> bytes:
    """Fetch one tile; raises with a short reason for anything but an image."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                               "Accept": "image/*,*/*;q=0.5"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) templates
        data = resp.read()
    if image_kind(data) is None:
        text = data[:120].decode("utf-8", errors="replace").strip().replace("\n", " ")
        raise ValueError(f"not an image: {text}")
    return data


class TileFetcher:
    """Tiles of one web service (see the module doc)."""

    def __init__(self, service: TileService, key: str | None = None,
                 cache: TileCache | None = None, workers: int = 4, timeout: float = 10.0,
                 retry_after: float = 60.0, memory: int = 512,
                 getter: Callable[[str, float], bytes] = http_get) -> None:
        self.service = service
        self.key = key
        self.cache = cache if cache is not None else TileCache()
        self.timeout = timeout
        self.retry_after = retry_after
        self._get = getter
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tiles")
        self._lock = threading.Lock()
        self._memory: OrderedDict[TileKey, bytes] = OrderedDict()
        self._memory_size = memory
        self._pending: dict[TileKey, Future] = {}
        self._callbacks: dict[TileKey, list[tuple[OnTile | None, OnFail | None]]] = {}
        self._failed: dict[TileKey, tuple[float, str]] = {}
        self._closed = False

    # -- reading without waiting -------------------------------------------------------------
    def _remember(self, k: TileKey, data: bytes) -> None:
        with self._lock:
            self._memory[k] = data
            self._memory.move_to_end(k)
            while len(self._memory) > self._memory_size:
                self._memory.popitem(last=False)

    def cached(self, z: int, x: int, y: int) -> bytes | None:
        """Memory, then disk; expired tiles are still returned (and refetched on request)."""
        k = (z, x, y)
        with self._lock:
            data = self._memory.get(k)
            if data is not None:
                self._memory.move_to_end(k)
                return data
        data = self.cache.get(self.service.cache_key, z, x, y, stale=True)
        if data is not None:
            self._remember(k, data)
        return data

    def state(self, z: int, x: int, y: int) -> str:
        k = (z, x, y)
        with self._lock:
            if k in self._pending:
                return PENDING
            if k in self._memory:
                return OK
            failed = self._failed.get(k)
        if self.cache._path(self.service.cache_key, z, x, y).exists():
            return OK
        if failed is not None:
            return FAILED
        return MISSING

    def failure(self, z: int, x: int, y: int) -> str | None:
        with self._lock:
            f = self._failed.get((z, x, y))
        return f[1] if f else None

    # -- fetching ----------------------------------------------------------------------------
    def request(self, tiles: Iterable[TileKey], on_tile: OnTile | None = None,
                on_fail: OnFail | None = None) -> list[TileKey]:
        """Schedule the tiles that are neither fresh in the cache nor recently failed; returns
        those newly scheduled. Never blocks. Tiles fresh in the cache are skipped (read them
        with :meth:`cached`); a tile already on its way gets the callbacks too."""
        scheduled: list[TileKey] = []
        now = time.monotonic()
        for k in tiles:
            k = (int(k[0]), int(k[1]), int(k[2]))
            if self.cache.fresh(self.service.cache_key, *k):
                continue
            with self._lock:
                if self._closed:
                    break
                failed = self._failed.get(k)
                if failed is not None and now - failed[0] < self.retry_after:
                    continue
                self._callbacks.setdefault(k, []).append((on_tile, on_fail))
                if k in self._pending:
                    continue
                self._pending[k] = self._pool.submit(self._fetch, k)
            scheduled.append(k)
        return scheduled

    def _fetch(self, k: TileKey) -> None:
        z, x, y = k
        data: bytes | None = None
        reason = ""
        try:
            got = self._get(self.service.url(z, x, y, self.key), self.timeout)
            if not isinstance(got, bytes | bytearray) or not got:
                raise ValueError("empty answer")
            data = bytes(got)
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
        except Exception as exc:  # noqa: BLE001 - network errors of every kind
            reason = str(getattr(exc, "reason", "") or exc) or type(exc).__name__
        if data is not None:
            self.cache.put(self.service.cache_key, z, x, y, data)
            self._remember(k, data)
        with self._lock:
            self._pending.pop(k, None)
            callbacks = self._callbacks.pop(k, [])
            if data is None:
                self._failed[k] = (time.monotonic(), reason)
            else:
                self._failed.pop(k, None)
        for on_tile, on_fail in callbacks:
            try:
                if data is not None and on_tile is not None:
                    on_tile(z, x, y, data)
                elif data is None and on_fail is not None:
                    on_fail(z, x, y, reason)
            except Exception:  # noqa: BLE001 - a listener's bug must not kill the pool
                import logging

                logging.getLogger(__name__).exception("tile callback failed")

    def cancel_except(self, tiles: Iterable[TileKey]) -> None:
        """Drop queued (not yet started) requests for tiles not in ``tiles``."""
        keep = {(int(a), int(b), int(c)) for a, b, c in tiles}
        with self._lock:
            for k, fut in list(self._pending.items()):
                if k not in keep and fut.cancel():
                    del self._pending[k]
                    self._callbacks.pop(k, None)

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def wait(self, tiles: Iterable[TileKey], timeout: float
             ) -> tuple[dict[TileKey, bytes], dict[TileKey, str]]:
        """Block until every tile is cached or failed, or ``timeout`` seconds pass (the
        unfinished ones are reported as failed with reason ``timeout``)."""
        wanted = [(int(a), int(b), int(c)) for a, b, c in tiles]
        with self._lock:  # a fresh attempt for tiles that failed before
            for k in wanted:
                self._failed.pop(k, None)
        done = threading.Event()
        remaining = set(wanted)
        lock = threading.Lock()
        got: dict[TileKey, bytes] = {}
        failed: dict[TileKey, str] = {}

        def finish(k: TileKey) -> None:
            with lock:
                remaining.discard(k)
                if not remaining:
                    done.set()

        def ok(z: int, x: int, y: int, data: bytes) -> None:
            got[(z, x, y)] = data
            finish((z, x, y))

        def bad(z: int, x: int, y: int, reason: str) -> None:
            failed[(z, x, y)] = reason
            finish((z, x, y))

        for k in wanted:
            data = self.cache.get(self.service.cache_key, *k)
            if data is not None:
                got[k] = data
                finish(k)
        scheduled = set(self.request([k for k in wanted if k not in got], ok, bad))
        for k in wanted:  # cached meanwhile (by another request), so not scheduled
            if k not in got and k not in scheduled:
                data = self.cache.get(self.service.cache_key, *k)
                if data is not None:
                    ok(*k, data)
        if remaining:
            done.wait(timeout)
        with lock:
            for k in remaining:
                if k not in got and k not in failed:
                    failed[k] = "timeout"
        return dict(got), dict(failed)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for fut in self._pending.values():
                fut.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)


class MBTilesProvider:
    """An offline MBTiles file behind the :class:`TileProvider` interface: every tile the file
    has is ``ok`` at once; the others are ``missing``."""

    def __init__(self, service: TileService, path: str | Path | None = None) -> None:
        from mapedit.io.mbtiles import MBTiles

        self.service = service
        self.file = MBTiles(path or service.mbtiles or "")
        self._lock = threading.Lock()

    def cached(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            return self.file.tile(z, x, y)

    def state(self, z: int, x: int, y: int) -> str:
        return OK if self.cached(z, x, y) is not None else MISSING

    def request(self, tiles: Iterable[TileKey], on_tile: OnTile | None = None,
                on_fail: OnFail | None = None) -> list[TileKey]:
        return []

    def cancel_except(self, tiles: Iterable[TileKey]) -> None:
        return None

    def wait(self, tiles: Iterable[TileKey], timeout: float
             ) -> tuple[dict[TileKey, bytes], dict[TileKey, str]]:
        got: dict[TileKey, bytes] = {}
        failed: dict[TileKey, str] = {}
        for k in tiles:
            data = self.cached(*k)
            if data is None:
                failed[k] = "not in the MBTiles file"
            else:
                got[k] = data
        return got, failed

    def close(self) -> None:
        with self._lock:
            self.file.close()


def open_provider(service: TileService, key: str | None = None,
                  cache: TileCache | None = None, **kw) -> TileProvider:
    """The provider for a tiles layer: its MBTiles file when it has one, else the network.
    ``key``: the user's key (Tianditu), from the user's settings."""
    if service.mbtiles:
        return MBTilesProvider(service)
    return TileFetcher(service, key=key, cache=cache, **kw)


def user_key(service: TileService, settings_key: str | None = None) -> str | None:
    """The key a service needs: the GUI passes the user's setting; the command line falls back
    on ``MAPEDIT_TIANDITU_KEY``. Never read from or written to the project."""
    if service.key != "tianditu":
        return None
    return settings_key or os.environ.get("MAPEDIT_TIANDITU_KEY") or None
