"""Make the text of Qt's PDFs search and copy as the characters that were drawn.

Qt writes, for each embedded font, a ``ToUnicode`` map from glyphs back to characters. It builds
that map by scanning the font's character map from U+0000 upwards and keeping the FIRST
character that uses each glyph. CJK fonts (Noto Sans CJK, Microsoft YaHei) draw the Kangxi
radicals (U+2F00–U+2FD5), the CJK radicals supplement (U+2E80–U+2EF3) and some strokes with the
same glyphs as common ideographs, and those blocks come first: a sheet that shows 比例尺, 户数,
四至, 青平居委 then copies and searches as ⽐例尺, ⼾数, 四⾄, ⻘平居委 — a clerk searching the
PDF for 户数 finds nothing. (pdftotext shows the same.)

:func:`fix_pdf` rewrites every ``ToUnicode`` map so that such a radical maps to the unified
ideograph with the same glyph in the font that was used (exact, font by font), and adds the
document outline (bookmarks) on the way. It uses pypdf, a pure-Python PDF library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

RADICAL_BLOCKS = (0x2E80, 0x4DC0)
"""Code points below the unified ideographs that may share a glyph with one: radicals
supplement, Kangxi radicals, CJK symbols, strokes, extension A."""
IDEOGRAPHS = (0x4E00, 0xA000)


def radical_map(families: Iterable[str]) -> dict[int, int]:
    """For each family: code points in :data:`RADICAL_BLOCKS` whose glyph is also the glyph
    of a unified ideograph → that ideograph (the lowest one)."""
    from PySide6.QtGui import QFont, QRawFont

    out: dict[int, int] = {}
    ideo = "".join(chr(c) for c in range(*IDEOGRAPHS))
    low = [c for c in range(*RADICAL_BLOCKS)]
    low_text = "".join(chr(c) for c in low)
    for family in families:
        for bold in (False, True):
            font = QFont(family)
            font.setBold(bold)
            raw = QRawFont.fromFont(font)
            if not raw.isValid():
                continue
            first: dict[int, int] = {}
            for c, g in zip(range(*IDEOGRAPHS), raw.glyphIndexesForString(ideo), strict=False):
                if g and g not in first:
                    first[g] = c
            for c, g in zip(low, raw.glyphIndexesForString(low_text), strict=False):
                if g and g in first:
                    out.setdefault(c, first[g])
    return out


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _parse_cmap(data: bytes) -> dict[int, str] | None:
    """``code → text`` of a ToUnicode CMap (bfchar and both bfrange forms); None if the
    stream does not look like one (left alone)."""
    if b"begincmap" not in data:
        return None
    out: dict[int, str] = {}

    def text(hexstr: bytes) -> str:
        raw = bytes.fromhex(hexstr.decode("ascii"))
        return raw.decode("utf-16-be", errors="replace")

    for block in _BFCHAR.findall(data):
        toks = _HEX.findall(block)
        for src, dst in zip(toks[0::2], toks[1::2], strict=False):
            out[int(src, 16)] = text(dst)
    for block in _BFRANGE.findall(data):
        for line in block.splitlines():
            toks = _HEX.findall(line)
            if len(toks) < 3:
                continue
            lo, hi = int(toks[0], 16), int(toks[1], 16)
            if b"[" in line:
                for i, dst in enumerate(toks[2:]):
                    if lo + i <= hi:
                        out[lo + i] = text(dst)
            else:
                start = text(toks[2])
                if not start:
                    continue
                base = ord(start[-1])
                for i in range(hi - lo + 1):
                    out[lo + i] = start[:-1] + chr(base + i)
    return out


def _write_cmap(mapping: dict[int, str]) -> bytes:
    head = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
    body = []
    items = sorted(mapping.items())
    for i in range(0, len(items), 100):
        chunk = items[i:i + 100]
        body.append(f"{len(chunk)} beginbfchar\n".encode("ascii"))
        for code, txt in chunk:
            dst = txt.encode("utf-16-be").hex().upper()
            body.append(f"<{code:04X}> <{dst}>\n".encode("ascii"))
        body.append(b"endbfchar\n")
    tail = (b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    return head + b"".join(body) + tail


def fix_cmap(data: bytes, radicals: dict[int, int]) -> bytes | None:
    """The CMap with radicals mapped to their ideographs; None when nothing needs changing."""
    mapping = _parse_cmap(data)
    if not mapping:
        return None
    changed = False
    for code, txt in mapping.items():
        if len(txt) == 1 and ord(txt) in radicals:
            mapping[code] = chr(radicals[ord(txt)])
            changed = True
    return _write_cmap(mapping) if changed else None


def fix_pdf(src: Path, dst: Path, radicals: dict[int, int],
            outline: Sequence[tuple[str, int]] = (), title: str = "",
            metadata: dict[str, str] | None = None) -> int:
    """Copy ``src`` to ``dst`` with fixed ToUnicode maps and bookmarks ``(title, page
    index)``; returns the number of maps fixed."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(str(src))
    writer = PdfWriter(clone_from=reader)
    fixed = 0
    seen: set[int] = set()
    for page in writer.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        fonts = resources.get_object().get("/Font")
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            tu_ref = font.get(NameObject("/ToUnicode"))
            if tu_ref is None:
                continue
            stream = tu_ref.get_object()
            key = id(stream)
            if key in seen:
                continue
            seen.add(key)
            new = fix_cmap(stream.get_data(), radicals)
            if new is not None:
                stream.set_data(new)
                fixed += 1
    for name, index in outline:
        if 0 <= index < len(writer.pages):
            writer.add_outline_item(title=name, page_number=index)
    meta = {"/Producer": "mapedit (Qt, pypdf)"}
    if title:
        meta["/Title"] = title
    for k, v in (metadata or {}).items():
        meta[k if k.startswith("/") else f"/{k}"] = v
    writer.add_metadata(meta)
    if outline:
        writer.page_mode = "/UseOutlines"
    with open(dst, "wb") as fh:
        writer.write(fh)
    return fixed
