"""The category catalogue transcribed from seed 000."""

from __future__ import annotations

import json

import pytest

from mapedit.errors import InputError
from mapedit.model.catalogue import Catalogue, normalize_category
from mapedit.resources import resource_path

KINDS = ["企业", "楼宇", "商业体", "公共机构", "学校", "风景区", "文体", "医疗", "养老", "工地",
         "公共区域", "其它"]


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue.default()


def test_fourteen_kinds_with_prefixes(cat: Catalogue) -> None:
    kinds = {c.kind or c.name for c in cat.categories.values()}
    assert kinds == set(KINDS) | {"小区", "村组"}
    assert len(kinds) == 14
    for prefix in ("社区", "农村", "街面"):
        for k in KINDS:
            assert f"{prefix}-{k}" in cat.categories


def test_allowed_by_unit_type(cat: Catalogue) -> None:
    xiaoqu = {c.name for c in cat.allowed("小区")}
    assert "小区" in xiaoqu and "社区-学校" in xiaoqu
    assert "村组" not in xiaoqu and "街面-学校" not in xiaoqu
    for ut in ("农村", "农场"):
        names = {c.name for c in cat.allowed(ut)}
        assert "村组" in names and "农村-企业" in names and "小区" not in names
    street = {c.name for c in cat.allowed("街面")}
    assert all(n.startswith("街面-") for n in street) and len(street) == 12
    assert cat.is_allowed("社区-企业", "小区")
    assert not cat.is_allowed("社区-企业", "街面")
    assert not cat.is_allowed("不存在", "小区")


def test_default_departments_from_seed(cat: Catalogue) -> None:
    assert cat.default_departments("小区") == ["自治办", "城建中心", "各居"]
    assert cat.default_departments("村组") == ["自治办", "社发中心", "各村"]
    assert cat.default_departments("社区-企业") == ["营商办"]
    assert cat.default_departments("农村-学校") == ["服务办"]
    assert cat.default_departments("街面-商业体") == ["营商办", "文体中心", "街面工作站"]
    assert cat.default_departments("街面-其它") == ["街面工作站"]
    assert cat.default_departments("社区-其它") == ["各居"]
    assert cat.default_departments("农村-其它") == ["各村"]
    assert cat.default_departments("社区-公共区域") == ["社发中心", "管理办"]


def test_household_band_and_defaults(cat: Catalogue) -> None:
    assert (cat.household_min, cat.household_max) == (300, 500)
    assert cat.needs_households("小区") and cat.needs_households("村组")
    assert not cat.needs_households("街面-企业")
    assert cat.default_category("小区") == "小区"
    assert cat.default_category("农场") == "村组"
    assert cat.default_category("街面") == "街面-其它"


def test_dash_variants_normalised(cat: Catalogue) -> None:
    assert normalize_category("社区—其它") == "社区-其它"
    assert cat.get("街面—其它") is not None


def test_street_override_file(tmp_path) -> None:
    data = json.loads(resource_path("catalogue.json").read_text(encoding="utf-8"))
    for c in data["categories"]:
        if c["name"] == "街面-企业":
            c["departments"] = ["营商办", "市场所"]
    path = tmp_path / "街道 目录.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    cat = Catalogue.load(path)
    assert cat.default_departments("街面-企业") == ["营商办", "市场所"]


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d["categories"].append(dict(d["categories"][0])), "twice"),
    (lambda d: d["categories"][0].update(unit_types=["城市"]), "unit types"),
    (lambda d: d["categories"][0].update(departments=[]), "departments"),
    (lambda d: d.update(categories=[c for c in d["categories"] if "街面" not in c["unit_types"]]),
     "街面"),
])
def test_invalid_catalogue_refused(tmp_path, mutate, needle) -> None:
    data = json.loads(resource_path("catalogue.json").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as err:
        Catalogue.load(path)
    assert needle in err.value.en
    assert err.value.zh


def test_not_json_refused(tmp_path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="JSON"):
        Catalogue.load(path)
