"""Loading data/sources.toml: the shipped file is valid, and mistakes are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.sources_config import (
    DecidimSource,
    OpendatasoftSource,
    RegisterSource,
    SourceConfigError,
    load_sources,
)

from .support import REAL_SOURCES

LIVE = """
[[sources]]
id = "portal"
kind = "opendatasoft"
title = "A portal"
licence = "ODbL"
attribution = "Somebody"
base_url = "https://portal.example/"
dataset = "things"
{extra}

[[sources.maps]]
table = "{table}"
[sources.maps.columns]
{column} = "{template}"
"""


def write(tmp_path: Path, **parts: str) -> Path:
    values = {"extra": "", "table": "recommendations", "column": "title", "template": "{name}"}
    values.update(parts)
    path = tmp_path / "sources.toml"
    path.write_text(LIVE.format(**values), encoding="utf-8")
    return path


def test_shipped_configuration_loads_with_typed_sources() -> None:
    config = load_sources(REAL_SOURCES)

    paris = config.by_id("paris-budget-participatif")
    assert isinstance(paris, OpendatasoftSource)
    assert paris.verified is False
    assert paris.fixed_rows["institutions"][0]["kind"] == "participatory_budget"
    milan = config.by_id("milano-partecipa-assemblea-clima")
    assert isinstance(milan, DecidimSource)
    assert (milan.component_id, milan.resource, milan.locale) == ("358", "proposals", "it")
    assert all(isinstance(s, RegisterSource) for s in config.sources if s.kind == "register")
    assert {s.id for s in config.live()} >= {
        "paris-budget-participatif",
        "milano-partecipa-assemblea-clima",
        "democratie-brussels-sans-abrisme",
    }


def test_base_url_loses_its_trailing_slash(tmp_path: Path) -> None:
    source = load_sources(write(tmp_path)).by_id("portal")
    assert source.base_url == "https://portal.example"


def test_unknown_register_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError) as failure:
        load_sources(write(tmp_path, column="titel"))
    message = str(failure.value)
    assert "source 'portal'" in message
    assert "titel" in message
    assert "recommendations" in message


def test_unknown_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="unknown register table 'recommendation'"):
        load_sources(write(tmp_path, table="recommendation"))


def test_unknown_filter_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="unknown filter 'datum'"):
        load_sources(write(tmp_path, template="{name|datum}"))


def test_misspelt_key_is_caught(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match=r"unknown key.*order"):
        load_sources(write(tmp_path, extra='order = "name"'))


def test_live_source_without_maps_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[sources]]\nid = "x"\nkind = "ckan"\ntitle = "t"\nlicence = "l"\n'
        'attribution = "a"\nbase_url = "https://ckan.example"\npackage = "p"\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceConfigError, match="at least one"):
        load_sources(path)


def test_duplicate_source_id_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(SourceConfigError, match="appears twice"):
        load_sources(path)
