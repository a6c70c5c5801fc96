"""Which code chunks the pages' HTML names for preloading (dashboard/preload.py)."""

from __future__ import annotations

from pathlib import Path

from dashboard.preload import chunks_to_preload

INDEX = """<html><head>
<script type="module" crossorigin src="./static/js/index.AAA.js"></script>
<link rel="modulepreload" crossorigin href="./static/js/react.BBB.js">
</head><body></body></html>"""


def _static(tmp_path: Path, chunks: dict[str, str]) -> Path:
    js = tmp_path / "static" / "js"
    js.mkdir(parents=True)
    (tmp_path / "index.html").write_text(INDEX)
    for name, text in chunks.items():
        (js / name).write_text(text)
    return tmp_path


def test_an_element_brings_its_static_and_lazy_imports_but_not_what_the_page_has(
    tmp_path: Path,
) -> None:
    static = _static(
        tmp_path,
        {
            "index.AAA.js": 'import"./react.BBB.js";',
            "react.BBB.js": "",
            "Chart.C1.js": 'import{a}from"./react.BBB.js";import{b}from"./scale.D2.js";'
            'const e=()=>import("./embed.E3.js");',
            "scale.D2.js": 'import"./Chart.C1.js";',
            "embed.E3.js": 'import{c}from"./vega.F4.js";',
            "vega.F4.js": "",
            "Unused.G5.js": 'import"./other.H6.js";',
            "other.H6.js": "",
        },
    )
    assert chunks_to_preload(static, ("Chart",)) == [
        "Chart.C1.js",
        "embed.E3.js",
        "scale.D2.js",
        "vega.F4.js",
    ]


def test_a_name_is_matched_whole_and_a_missing_one_is_skipped(tmp_path: Path) -> None:
    static = _static(
        tmp_path,
        {"Table.T1.js": "", "TableChart.esm.T2.js": "", "Tab.T3.js": 'import"./gone.Z9.js";'},
    )
    assert chunks_to_preload(static, ("Table", "NoSuchElement")) == ["Table.T1.js"]
    assert chunks_to_preload(static, ("Tab",)) == ["Tab.T3.js"]
