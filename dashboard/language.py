"""Which language a page run speaks, and the switcher that changes it.

Order of precedence: `?lang=xx` in the address (a shared link opens in its language) > the
visitor's choice this session > the browser's language > English. The chosen language is put
back into the address, so the address is always a permalink of what is on screen.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from dashboard.messages import (
    DEFAULT_LANGUAGE,
    current_language,
    native_name,
    set_language,
    supported_languages,
    t,
)
from dashboard.permalinks import LANGUAGE_KEY

PARAM = LANGUAGE_KEY
_CHOICE_KEY = "uptake_language_choice"
_WIDGET_KEY = "uptake_language_switcher"


def _supported(code: object) -> str | None:
    """`code` as a supported language ("fr", "fr-BE", "FR_be" -> "fr"), or None."""
    if not isinstance(code, str):
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in supported_languages() else None


def resolve(
    query_language: str | None, session_choice: str | None, browser_locale: str | None
) -> str:
    """The language to speak: the first supported one of the address, the session's choice
    and the browser's; English when none is. Unknown values are passed over quietly."""
    for candidate in (query_language, session_choice, browser_locale):
        found = _supported(candidate)
        if found:
            return found
    return DEFAULT_LANGUAGE


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except AttributeError:  # outside a browser session (AppTest without a locale)
        return None


def apply(query_params: Any = None, session: MutableMapping[str, Any] | None = None) -> str:
    """Resolve this run's language, make it current, and keep a chosen language in the
    address. Called first thing in every page run."""
    query_params = st.query_params if query_params is None else query_params
    session = st.session_state if session is None else session
    in_address = query_params.get(PARAM)
    language = resolve(in_address, session.get(_CHOICE_KEY), _browser_locale())
    set_language(language)
    if _supported(in_address):
        session[_CHOICE_KEY] = language
    if session.get(_CHOICE_KEY) and in_address != language:
        # A page switch drops the query; a bad or regional value is replaced by the language
        # actually spoken.
        query_params[PARAM] = language
    return language


def _chosen() -> None:
    choice = st.session_state[_WIDGET_KEY]
    st.session_state[_CHOICE_KEY] = choice
    st.query_params[PARAM] = choice


def switcher() -> None:
    """The language menu in the sidebar, each language named in itself."""
    st.session_state[_WIDGET_KEY] = current_language()
    st.sidebar.selectbox(
        t("app.language"),
        options=list(supported_languages()),
        format_func=native_name,
        key=_WIDGET_KEY,
        on_change=_chosen,
    )
