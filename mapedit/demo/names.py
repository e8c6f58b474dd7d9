"""Chinese names for the demo street: roads, rivers, villages, residents' committees, compounds.

The bundled street uses hand-picked names modelled on 青浦区/夏阳街道 so a clerk recognises the
kind of place; scaled benchmark streets need thousands of unique names, so after the hand-picked
lists run out names are composed from syllables (deterministically, in a fixed order), never
random strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

MAIN_ROADS = ["淀山湖大道", "青赵公路", "外青松公路", "城中北路", "盈港东路", "公园路", "华青路",
              "崧泽大道", "漕盈路", "沪青平公路", "北青公路", "青松路", "胜利路", "五浦路"]
SECONDARY_ROADS = ["夏阳路", "青湖路", "新府路", "庆华路", "民惠路", "淀湖路", "天辰路", "秀源路",
                   "华浦路", "青安路", "城中南路", "航运路", "西大盈路", "清河湾路"]
RIVERS = ["淀浦河", "油墩港", "西大盈港", "上达河", "新通波塘", "大盈浦", "崧泽塘", "老通波塘"]
VILLAGES = ["青湖", "塘郁", "火星", "新阳", "城南", "城西", "金米", "张家", "李家", "王家", "姚家",
            "钱家", "太来", "东方", "汇金", "先锋"]
COMMITTEES = ["夏阳湖", "青平", "盈中", "城中", "华青", "淀湖", "庆华", "民惠", "新府", "天辰",
              "秀源", "崧泽", "漕盈", "青安", "航运", "公园", "西部花苑", "东渡"]
COMPOUND_SUFFIXES = ["一期", "二期", "三期", "花苑", "家园", "公寓", "新村", "雅苑"]
FARM = "青东农场"

_FIRST = "青新金塘城夏盈庆华淀崧漕秀天汇泾松东西南北仁安兴福康乐永和嘉"
_SECOND = "湖阳米郁星桥浜港溪庄园林泽浦湾岗河里苑泉源江山田丰盛荫"
_DIGITS = "零一二三四五六七八九"


def composed_names() -> Iterator[str]:
    """Endless two-character place names (``青湖``, ``新阳``...), then with numeral suffixes."""
    for n in count(0):
        for a in _FIRST:
            for b in _SECOND:
                yield a + b if n == 0 else f"{a}{b}{chinese_number(n + 1)}"


def chinese_number(n: int) -> str:
    """A positive integer in Chinese numerals as clerks write them (``十二``, ``一百零五``,
    ``一千零一十``, ``一万二千``), used for 期/组/队/段 numbers: a city of 10,000 units numbers
    its street-front sections and teams into the hundreds and thousands."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"chinese_number needs a positive integer, not {n!r}")
    if n >= 10 ** 8:
        raise ValueError(f"chinese_number handles numbers below 100,000,000, not {n}")
    high, low = divmod(n, 10_000)
    if high:
        text = _section(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _section(low)
    else:
        text = _section(low)
    return text[1:] if text.startswith("一十") else text  # 十二, 十万: not 一十二


def _section(n: int) -> str:
    """1..9999: digits with 千/百/十, one 零 for any run of zeros before a non-zero digit."""
    out, zero = "", False
    for unit, place in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = n // place % 10
        if d == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + unit
    return out


class NamePool:
    """Hands out unique names: the hand-picked ones first, then composed ones."""

    def __init__(self, preferred: list[str], suffix: str = "", used: set[str] | None = None):
        self._preferred = list(preferred)
        self._composed = composed_names()
        self._suffix = suffix
        self.used: set[str] = used if used is not None else set()

    def take(self) -> str:
        while self._preferred:
            name = self._preferred.pop(0) + self._suffix
            if name not in self.used:
                self.used.add(name)
                return name
        while True:
            name = next(self._composed) + self._suffix
            if name not in self.used:
                self.used.add(name)
                return name
