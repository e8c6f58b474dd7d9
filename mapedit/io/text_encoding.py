"""The text encoding of an attribute table, so the clerk sees 夏阳 and not ÏÄÑô.

Shapefiles from Chinese surveying software are often GBK/GB18030 with no ``.cpg`` and no code
page in the DBF header; GDAL then assumes ISO-8859-1 and the names come out garbled. We read
every file's strings as ISO-8859-1 (a one-to-one mapping of bytes, so nothing is lost, and GDAL
needs no iconv for it on any platform) and decode the recovered bytes ourselves with the
encoding chosen here: the user's, else the ``.cpg``'s, else the DBF header's code page, else a
guess — UTF-8 if all the bytes are valid UTF-8, otherwise GB18030 (a superset of GBK and
GB2312). Other formats (GeoPackage, GeoJSON, KML, DXF via GDAL) hand over UTF-8, which the same
guess recognises.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path

from mapedit.errors import InputError

RAW = "ISO-8859-1"
"""What we ask GDAL for: every byte becomes the code point of the same value."""

_ALIASES = {
    "936": "GB18030", "cp936": "GB18030", "ansi 936": "GB18030", "gbk": "GBK",
    "gb2312": "GB18030", "gb18030": "GB18030", "65001": "UTF-8", "utf8": "UTF-8",
    "utf-8": "UTF-8", "950": "BIG5", "cp950": "BIG5", "big5": "BIG5", "1252": "CP1252",
    "ansi 1252": "CP1252", "88591": "ISO-8859-1", "8859_1": "ISO-8859-1",
}

_LDID = {0x4D: "GB18030", 0x7A: "GB18030", 0x4F: "BIG5", 0x78: "BIG5"}
"""DBF language-driver ids (byte 29 of the header) that name a Chinese code page. Others (0,
0x57 "ANSI", …) say nothing useful: ArcGIS writes 0x57 whatever the text is."""


def normalise(name: str) -> str:
    """A codec name Python knows, upper case (``936`` → ``GB18030``); bilingual error if
    unknown."""
    key = name.strip().lower()
    out = _ALIASES.get(key, name.strip())
    try:
        codecs.lookup(out)
    except LookupError as exc:
        raise InputError(f"未知的文字编码 {name}", f"unknown text encoding {name}") from exc
    return out.upper()


def cpg_encoding(path: Path) -> str | None:
    """The encoding named by a Shapefile's ``.cpg`` (None: no file, or one we do not know)."""
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.exists():
            try:
                return normalise(cpg.read_text(encoding="ascii", errors="ignore"))
            except InputError:
                return None
    return None


def dbf_code_page(path: Path) -> str | None:
    """The Chinese code page recorded in a DBF header, if any."""
    for dbf in (path.with_suffix(".dbf"), path.with_suffix(".DBF")):
        if dbf.exists():
            try:
                with dbf.open("rb") as f:
                    head = f.read(32)
            except OSError:
                return None
            return _LDID.get(head[29]) if len(head) >= 30 else None
    return None


def raw_bytes(values: Iterable[object]) -> Iterable[bytes]:
    """The original bytes of strings GDAL handed over as ISO-8859-1."""
    for v in values:
        if isinstance(v, str) and v:
            try:
                yield v.encode(RAW)
            except UnicodeEncodeError:  # already decoded text (a driver that ignores the request)
                yield v.encode("utf-8")


def sniff(samples: Iterable[bytes]) -> str:
    """``UTF-8`` when every sample is valid UTF-8 (plain ASCII included), else ``GB18030``."""
    for b in samples:
        if b.isascii():
            continue
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            return "GB18030"
    return "UTF-8"


def decodes(samples: Iterable[bytes], encoding: str) -> bool:
    """Whether every sample is valid in ``encoding``."""
    try:
        for b in samples:
            b.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def decode(value: object, encoding: str) -> object:
    """One value read as ISO-8859-1, decoded with ``encoding`` (non-strings unchanged). A field
    cut inside a multi-byte character (DBF fields have fixed widths) ends with U+FFFD rather
    than failing the import."""
    if not isinstance(value, str):
        return value
    try:
        b = value.encode(RAW)
    except UnicodeEncodeError:
        return value
    return b.decode(encoding, errors="replace").rstrip("\x00")


def choose(path: Path, samples: list[bytes], user: str | None = None,
           shapefile: bool = False) -> tuple[str, str]:
    """(encoding, where it came from: ``user``, ``cpg``, ``dbf``, ``detected``).

    The user's choice is checked against the bytes: a wrong one is refused with a bilingual
    message rather than producing garbled names."""
    if user:
        enc = normalise(user)
        if not decodes(samples, enc):
            raise InputError(f"文件中的文字不是 {enc} 编码,请换一种编码",
                             f"the file's text is not valid {enc}; choose another encoding")
        return enc, "user"
    if shapefile:
        enc = cpg_encoding(path)
        if enc:
            return enc, "cpg"
        enc = dbf_code_page(path)
        if enc and decodes(samples, enc):
            return enc, "dbf"
    return sniff(samples), "detected"
