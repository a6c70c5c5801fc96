"""Decidim: one component's proposals (with the administration's answer) or accountability results.

Two ways in, chosen per source:
- the GraphQL API (`POST /api`), paged Relay-style with at most 50 items per page (the
  server's cap). Results bring status, progress, parent/children and their timeline entries,
  which the open-data export does not carry;
- the open-data export (`GET /open-data/download`), a ZIP of CSVs whose nested columns are
  flattened with `/` (`title/it`, `title/machine_translations/en`). When the export has not
  been generated yet, Decidim queues it and redirects to an HTML page: that is reported as
  such, not parsed.

The GraphQL schema changed across Decidim versions (0.20: proposal `title`/`body` are plain
strings and there is no `answer`/`answeredAt`; 0.23+: translated fields; 0.29+: custom
proposal states), so the adapter first asks the server what it is — one probe for the
component's type, the `Proposal` and `Result` types' fields and the version where the server
discloses it — and builds the query from the fields that really exist. Records are then
normalised to one shape (the newest), so one mapping in sources.toml serves every version.

Results are not linked to proposals: no Decidim version exposes that link on `Result`
(0.21 to 0.30). Accountability `results` come in no guaranteed order, so items are
de-duplicated by id across pages, and a result named as the parent or child of a listed one
but never listed itself fails the source (a page shifted under the pager) instead of
loading a silent gap.

Decidim instances also rate-limit (about 100 requests a minute per address); the pause between
requests is set from the source's `requests_per_minute` by the fetch runner.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest.adapters.common import PageProgress, Record, assemble, fetch_context, read_csv
from ingest.adapters.paging import PagingGuard
from ingest.http import Exchange, SourceClient
from ingest.records import Problem, SourceError, SourceRows
from ingest.sources_config import DecidimSource, LiveSource

MAX_PAGE_SIZE = 50
MAX_PAGES = 10_000

_TYPE_FIELDS = "fields { name type { kind name ofType { kind name ofType { kind name } } } }"

# What the server is, asked before any data. `__type` is standard GraphQL introspection;
# `decidim { version }` answers null where the instance does not disclose its version (0.24+).
PROBE_QUERY = f"""
query UptakeProbe($componentId: ID!) {{
  decidim {{ version }}
  component(id: $componentId) {{ id __typename }}
  proposalType: __type(name: "Proposal") {{ {_TYPE_FIELDS} }}
  resultType: __type(name: "Result") {{ {_TYPE_FIELDS} }}
}}
"""

# The same questions without introspection, for a server that refuses `__type` to anonymous
# clients; the newest known query shape is then assumed.
BARE_PROBE_QUERY = """
query UptakeProbeBare($componentId: ID!) {
  decidim { version }
  component(id: $componentId) { id __typename }
}
"""

# Fields of the newest known shapes (Decidim 0.29/0.30), used when introspection is refused.
NEWEST_PROPOSAL_FIELDS = {
    "id": "ID",
    "reference": "String",
    "state": "String",
    "publishedAt": "DateTime",
    "answeredAt": "DateTime",
    "title": "TranslatedField",
    "body": "TranslatedField",
    "answer": "TranslatedField",
    "proposalState": "ProposalState",
}
NEWEST_RESULT_FIELDS = {
    "id": "ID",
    "reference": "String",
    "progress": "Float",
    "startDate": "Date",
    "endDate": "Date",
    "createdAt": "DateTime",
    "updatedAt": "DateTime",
    "title": "TranslatedField",
    "description": "TranslatedField",
    "parent": "Result",
    "children": "Result",
    "status": "Status",
    "timelineEntries": "TimelineEntry",
}

# resource -> (component __typename, connection field)
RESOURCES = {"proposals": ("Proposals", "proposals"), "results": ("Accountability", "results")}
READABLE_COMPONENTS = {typename: resource for resource, (typename, _) in RESOURCES.items()}
COMPONENT_COLUMNS = ("component/id", "feature/id")  # "feature" in the oldest exports
TRANSLATED = "TranslatedField"
# Decidim 0.29+ says "not_answered" where older versions leave `state` null: both mean that
# no answer was published, so both become null and no response row is made.
NO_ANSWER_STATES = frozenset({"not_answered"})


@dataclass(frozen=True)
class DecidimServer:
    """What the probe learnt: the component's GraphQL type and the fields the schema offers."""

    version: str | None
    component_type: str | None
    proposal_fields: Mapping[str, str]  # field name -> named type (wrappers removed)
    result_fields: Mapping[str, str]
    introspection: bool = True
    notes: list[str] = field(default_factory=list)


def auth_headers(api_key: str) -> dict[str, str]:
    """Instances with `force_api_authentication` want a bearer token (not yet tried live)."""
    return {"Authorization": f"Bearer {api_key}"}


def read(source: LiveSource, client: SourceClient, progress: PageProgress) -> SourceRows:
    if not isinstance(source, DecidimSource):
        raise TypeError(f"{source.id} is not a Decidim source")
    notices: list[Problem] = []
    if source.access == "open_data":
        records = _open_data_records(source, client, progress)
    else:
        server = probe(source, client)
        records = list(_graphql_records(source, client, server, progress, notices))
    rows = assemble(source, records)
    rows.notices.extend(notices)
    return rows


# ---------------------------------------------------------------------------------------------
# Probe: what the server is


def probe(source: DecidimSource, client: SourceClient) -> DecidimServer:
    """Asks the server its version, the component's type and the fields of the types read.

    Fails the source, in plain words, when the component is missing or of a kind Uptake
    does not read, or is not the kind the source is configured for.
    """
    api_url = _api_url(source)
    variables = {"componentId": source.component_id}
    payload, _ = client.post_graphql(api_url, {"query": PROBE_QUERY, "variables": variables})
    introspection = True
    if _errors(payload):
        # Recent Decidim versions can refuse introspection to anonymous clients.
        payload, _ = client.post_graphql(
            api_url, {"query": BARE_PROBE_QUERY, "variables": variables}
        )
        introspection = False
        _raise_on_errors(source, payload, api_url)
    data = _data(source, payload, api_url)
    component = data.get("component")
    if component is None:
        raise SourceError(
            source.id,
            f"component {source.component_id} not found: wrong id, or it is unpublished or in "
            "a private space",
            url=api_url,
        )
    typename = component.get("__typename") if isinstance(component, Mapping) else None
    _check_component(source, typename, api_url)
    decidim = data.get("decidim")
    version = decidim.get("version") if isinstance(decidim, Mapping) else None
    notes: list[str] = []
    if introspection:
        proposal_fields = field_types(data.get("proposalType"))
        result_fields = field_types(data.get("resultType"))
    else:
        proposal_fields, result_fields = NEWEST_PROPOSAL_FIELDS, NEWEST_RESULT_FIELDS
        notes.append(
            "the server refuses introspection; the query shape of Decidim 0.29/0.30 is assumed"
        )
    return DecidimServer(
        version=str(version) if version else None,
        component_type=typename,
        proposal_fields=proposal_fields,
        result_fields=result_fields,
        introspection=introspection,
        notes=notes,
    )


def _check_component(source: DecidimSource, typename: str | None, api_url: str) -> None:
    wanted_type, _ = RESOURCES[source.resource]
    if typename == wanted_type:
        return
    if typename in READABLE_COMPONENTS:
        raise SourceError(
            source.id,
            f"component {source.component_id} is a {typename} component, but the source is "
            f"configured with resource = {source.resource!r}; set resource = "
            f"{READABLE_COMPONENTS[typename]!r}",
            url=api_url,
        )
    if typename == "Component":
        raise SourceError(
            source.id,
            f"component {source.component_id} has no typed GraphQL API on this server (it is "
            "reported as a generic Component: Accountability has none before Decidim 0.21); "
            "Uptake reads Proposals or Accountability",
            url=api_url,
        )
    raise SourceError(
        source.id,
        f"component {source.component_id} is a {typename} component; Uptake reads Proposals "
        "or Accountability",
        url=api_url,
    )


def field_types(type_info: Any) -> dict[str, str]:
    """{field name: named type} from an introspection `__type` answer ({} when absent)."""
    if not isinstance(type_info, Mapping):
        return {}
    fields: dict[str, str] = {}
    for entry in type_info.get("fields") or []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        kind = entry.get("type")
        while isinstance(kind, Mapping) and kind.get("kind") in ("NON_NULL", "LIST"):
            kind = kind.get("ofType")
        fields[str(entry["name"])] = str(kind.get("name")) if isinstance(kind, Mapping) else ""
    return fields


# ---------------------------------------------------------------------------------------------
# Queries built from the fields the server offers


def proposals_query(fields: Mapping[str, str]) -> str:
    """The proposals query for a schema whose `Proposal` type has these fields."""
    _require(fields, ("id", "title"), "Proposal")
    selection = ["id"]
    selection += [
        name for name in ("reference", "state", "publishedAt", "answeredAt") if name in fields
    ]
    selection += [
        _text_field(name, fields) for name in ("title", "body", "answer") if name in fields
    ]
    if "proposalState" in fields:
        selection.append("proposalState { title { translation(locale: $locale) } }")
    return _connection_query("UptakeProposals", "Proposals", "proposals", selection)


def results_query(fields: Mapping[str, str]) -> str:
    """The results query for a schema whose `Result` type has these fields."""
    _require(fields, ("id", "title"), "Result")
    selection = ["id"]
    scalars = ("reference", "progress", "startDate", "endDate", "createdAt", "updatedAt")
    selection += [name for name in scalars if name in fields]
    selection += [_text_field(name, fields) for name in ("title", "description") if name in fields]
    selection += [f"{name} {{ id }}" for name in ("parent", "children") if name in fields]
    if "status" in fields:
        selection.append("status { key progress name { translation(locale: $locale) } }")
    for name in ("timelineEntries", "milestones"):
        if name in fields:
            selection.append(
                f"{name} {{ entryDate title {{ translation(locale: $locale) }} "
                "description { translation(locale: $locale) } }"
            )
            break
    return _connection_query("UptakeResults", "Accountability", "results", selection)


def query_for(resource: str, server: DecidimServer) -> str:
    if resource == "proposals":
        return proposals_query(server.proposal_fields)
    return results_query(server.result_fields)


def _require(fields: Mapping[str, str], names: tuple[str, ...], type_name: str) -> None:
    missing = [name for name in names if name not in fields]
    if missing:
        raise ValueError(f"the server's {type_name} type has no {', '.join(missing)} field")


def _text_field(name: str, fields: Mapping[str, str]) -> str:
    """A translated field asks for one locale; a plain string (Decidim 0.20) is asked as is."""
    return f"{name} {{ translation(locale: $locale) }}" if fields[name] == TRANSLATED else name


def _connection_query(operation: str, typename: str, connection: str, selection: list[str]) -> str:
    node = "\n            ".join(selection)
    body = f"""
  component(id: $componentId) {{
    id
    __typename
    ... on {typename} {{
      {connection}(first: $first, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{
          node {{
            {node}
          }}
        }}
      }}
    }}
  }}"""
    # A declared variable that no field uses is a validation error, so $locale is declared
    # only where a translated field asks for it (never in the Decidim 0.20 proposals query).
    locale = ", $locale: String!" if "$locale" in body else ""
    header = f"query {operation}($componentId: ID!, $first: Int!, $after: String{locale})"
    return f"{header} {{{body}\n}}\n"


# ---------------------------------------------------------------------------------------------
# Paging


def _graphql_records(
    source: DecidimSource,
    client: SourceClient,
    server: DecidimServer,
    progress: PageProgress,
    notices: list[Problem],
) -> Iterator[Record]:
    try:
        query = query_for(source.resource, server)
    except ValueError as exc:
        raise SourceError(source.id, str(exc), url=_api_url(source)) from exc
    normalise = _normalise_proposal if source.resource == "proposals" else _normalise_result
    nodes = list(_pages(source, client, query, progress, notices))
    if source.resource == "results":
        _check_complete(source, [node for node, _ in nodes])
    label = f"{_api_url(source)} ({source.resource})"
    for count, (node, exchange) in enumerate(nodes, start=1):
        yield Record(normalise(node), label, count, fetch_context(exchange))


def _pages(
    source: DecidimSource,
    client: SourceClient,
    query: str,
    progress: PageProgress,
    notices: list[Problem],
) -> Iterator[tuple[Mapping[str, Any], Exchange]]:
    """Every node of the connection, once, with the exchange of the page it came on.

    Stops with a SourceError on a cursor seen before or an empty page that claims more, so a
    server that loops cannot keep the fetch running.
    """
    typename, connection = RESOURCES[source.resource]
    api_url = _api_url(source)
    after: str | None = None
    guard = PagingGuard(source.id, max_pages=MAX_PAGES)
    seen: set[str] = set()
    repeats = 0
    while True:
        page = guard.pages + 1
        variables: dict[str, Any] = {
            "componentId": source.component_id,
            "first": min(source.page_size, MAX_PAGE_SIZE),
            "after": after,
        }
        if "$locale" in query:
            variables["locale"] = source.locale
        payload, exchange = client.post_graphql(api_url, {"query": query, "variables": variables})
        items = _connection(source, payload, typename, connection, api_url)
        edges = items.get("edges") or []
        page_ids: list[str] = []
        for edge in edges:
            node = edge.get("node") if isinstance(edge, Mapping) else None
            if not isinstance(node, Mapping) or node.get("id") is None:
                raise SourceError(
                    source.id, f"page {page} has an edge without a node id", url=api_url
                )
            node_id = str(node["id"])
            page_ids.append(node_id)
            # Results come in no guaranteed order across pages: a record met again on a
            # later page is kept once (and counted, for the notice below).
            if node_id in seen:
                repeats += 1
                continue
            seen.add(node_id)
            yield node, exchange
        progress(page, len(seen))
        page_info = items.get("pageInfo") or {}
        more = bool(page_info.get("hasNextPage"))
        # One shared guard stops a server paging in circles: a cursor met before, empty pages
        # that keep claiming more, a page made only of records already read.
        guard.page(api_url, ids=page_ids, next_page=page_info.get("endCursor"), more=more)
        if not more:
            break
        after = page_info["endCursor"]
    if repeats:
        notices.append(
            Problem(
                source_id=source.id,
                file=api_url,
                row=None,
                column=None,
                message=(
                    f"{repeats} {source.resource[:-1]}(s) listed twice while paging (the server "
                    "gives them no stable order); each was kept once"
                ),
                severity="warning",
                about_row=False,
            )
        )


def _check_complete(source: DecidimSource, nodes: list[Mapping[str, Any]]) -> None:
    """Every result named as a parent or child of a listed result must be listed too."""
    listed = {str(node["id"]) for node in nodes}
    named: set[str] = set()
    for node in nodes:
        parent = node.get("parent")
        if isinstance(parent, Mapping) and parent.get("id") is not None:
            named.add(str(parent["id"]))
        for child in node.get("children") or []:
            if isinstance(child, Mapping) and child.get("id") is not None:
                named.add(str(child["id"]))
    missing = sorted(named - listed, key=lambda i: (len(i), i))
    if missing:
        raise SourceError(
            source.id,
            f"{len(missing)} result(s) named as parent or child were never listed "
            f"(ids {', '.join(missing[:10])}): the results' order shifted while paging, "
            f"so some were skipped; {len(listed)} were read. Run the fetch again",
            url=_api_url(source),
        )


# ---------------------------------------------------------------------------------------------
# Dry run (`fetch --check`)


@dataclass(frozen=True)
class Inspection:
    """What a dry run found: facts to print, the record count, and light records holding
    only the fields the vocabulary columns are built from."""

    facts: list[tuple[str, str]]
    records: int | None
    label_records: list[Mapping[str, Any]]


def check_query(resource: str, server: DecidimServer) -> str:
    """The light listing a dry run pages through: ids plus the label fields, nothing else.
    The API has no total count, so the records are counted by listing their ids."""
    if resource == "proposals":
        fields = server.proposal_fields
        selection = ["id"] + (["state"] if "state" in fields else [])
        return _connection_query("UptakeCheckProposals", "Proposals", "proposals", selection)
    selection = ["id"]
    if "status" in server.result_fields:
        selection.append("status { key name { translation(locale: $locale) } }")
    return _connection_query("UptakeCheckResults", "Accountability", "results", selection)


def inspect(source: LiveSource, client: SourceClient) -> Inspection:
    """Probes the server and counts the component's items, without reading their content."""
    if not isinstance(source, DecidimSource):
        raise TypeError(f"{source.id} is not a Decidim source")
    if source.access == "open_data":
        records = _open_data_records(source, client, lambda pages, count: None)
        facts = [("access", "open-data export")]
        return Inspection(facts, len(records), [dict(r.data) for r in records])
    server = probe(source, client)
    facts = [
        ("Decidim version", server.version or "not disclosed by the server"),
        ("component", f"{source.component_id} is a {server.component_type} component"),
        ("query shape", _shape_summary(source.resource, server)),
        *[("note", note) for note in server.notes],
    ]
    notices: list[Problem] = []
    nodes = [
        node
        for node, _ in _pages(
            source, client, check_query(source.resource, server), lambda p, c: None, notices
        )
    ]
    facts += [("note", n.message) for n in notices]
    normalise = _normalise_proposal if source.resource == "proposals" else _normalise_result
    return Inspection(facts, len(nodes), [normalise(node) for node in nodes])


def _shape_summary(resource: str, server: DecidimServer) -> str:
    if resource == "proposals":
        fields = server.proposal_fields
        parts = [
            "translated title and body"
            if fields.get("title") == TRANSLATED
            else "plain-text title and body (Decidim 0.20-0.22)",
            "answer text and date" if "answer" in fields else "no answer text or date",
        ]
        if "proposalState" in fields:
            parts.append("custom proposal states")
        return "; ".join(parts)
    entries = "timeline entries" if "timelineEntries" in server.result_fields else "no timeline"
    return f"results with status and {entries}; not linked to proposals (the API has no link)"


# ---------------------------------------------------------------------------------------------
# Normalising records to the newest shape


def _translated(value: Any) -> dict[str, Any]:
    """A translated field as {"translation": text}, from either shape (0.20 plain strings)."""
    if isinstance(value, Mapping):
        return {"translation": value.get("translation")}
    return {"translation": value}


def _normalise_proposal(node: Mapping[str, Any]) -> dict[str, Any]:
    state = node.get("state")
    proposal_state = node.get("proposalState")
    state_title = None
    if isinstance(proposal_state, Mapping):
        state_title = _translated(proposal_state.get("title"))["translation"]
    return {
        "id": node["id"],
        "reference": node.get("reference"),
        "state": None if state in NO_ANSWER_STATES else state,
        "stateTitle": state_title,
        "publishedAt": node.get("publishedAt"),
        "answeredAt": node.get("answeredAt"),
        "title": _translated(node.get("title")),
        "body": _translated(node.get("body")),
        "answer": _translated(node.get("answer")),
    }


def _normalise_result(node: Mapping[str, Any]) -> dict[str, Any]:
    record = dict(node)
    for name in ("reference", "progress", "startDate", "endDate", "createdAt", "updatedAt"):
        record.setdefault(name, None)
    for name in ("title", "description"):
        record[name] = _translated(node.get(name))
    record.setdefault("parent", None)
    record.setdefault("children", [])
    record.setdefault("status", None)
    entries = node.get("timelineEntries", node.get("milestones"))
    record.pop("milestones", None)
    record["timelineEntries"] = entries or []
    return record


# ---------------------------------------------------------------------------------------------
# GraphQL answers


def _api_url(source: DecidimSource) -> str:
    return f"{source.base_url}/api"


def _errors(payload: Any) -> list[str]:
    if not isinstance(payload, Mapping) or not payload.get("errors"):
        return []
    return [
        str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in payload["errors"]
    ]


def _raise_on_errors(source: DecidimSource, payload: Any, api_url: str) -> None:
    if not isinstance(payload, Mapping):
        raise SourceError(source.id, "GraphQL answer is not a JSON object", url=api_url)
    messages = _errors(payload)
    if messages:
        # A renamed or removed field shows up here: "Field 'x' doesn't exist on type 'Y'".
        raise SourceError(source.id, f"GraphQL error: {'; '.join(messages)}", url=api_url)


def _data(source: DecidimSource, payload: Any, api_url: str) -> Mapping[str, Any]:
    _raise_on_errors(source, payload, api_url)
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise SourceError(source.id, "GraphQL answer has no 'data'", url=api_url)
    return data


def _connection(
    source: DecidimSource, payload: Any, typename: str, connection: str, api_url: str
) -> Mapping[str, Any]:
    """The Relay connection inside a GraphQL answer, or a SourceError saying what is wrong."""
    component = _data(source, payload, api_url).get("component")
    if component is None:
        raise SourceError(
            source.id,
            f"component {source.component_id} not found: wrong id, or it is unpublished or in "
            "a private space",
            url=api_url,
        )
    _check_component(source, component.get("__typename"), api_url)
    items = component.get(connection)
    if not isinstance(items, Mapping):
        raise SourceError(
            source.id, f"field {connection!r} is missing from the GraphQL answer", url=api_url
        )
    return items


def _open_data_records(
    source: DecidimSource, client: SourceClient, progress: PageProgress
) -> list[Record]:
    url = f"{source.base_url}/open-data/download"
    exchange = client.get(url)
    body = exchange.body
    if body.startswith(b"PK\x03\x04"):
        name, data = _zip_member(source, body, exchange.url)
    elif "csv" in exchange.headers.get("content-type", ""):
        name, data = exchange.url, body  # newer versions: one CSV per resource
    else:
        raise SourceError(
            source.id,
            "the open-data export is not ready: the server answered with a web page instead "
            "of the ZIP file (Decidim generates the export in the background after the first "
            'request; try again later, or use access = "graphql")',
            url=exchange.url,
        )
    rows = read_csv(source.id, data, f"{exchange.url} {name}")
    column = next((c for c in COMPONENT_COLUMNS if rows and c in rows[0]), None)
    if rows and column is None:
        raise SourceError(
            source.id,
            f"field 'component/id' is missing from {name}; the export's columns changed",
            url=exchange.url,
        )
    context = fetch_context(exchange)
    records: list[Record] = []
    for line, row in enumerate(rows, start=2):
        if column is not None and row[column] != source.component_id:
            continue
        records.append(Record(row, f"{exchange.url} {name} line", line, context))
    progress(1, len(records))
    return records


def _zip_member(source: DecidimSource, body: bytes, url: str) -> tuple[str, bytes]:
    """The CSV of this source's resource inside the open-data ZIP."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as exc:
        raise SourceError(source.id, f"open-data ZIP is damaged: {exc}", url=url) from exc
    suffixes = (f"-open-data-{source.resource}.csv", f"_{source.resource}.csv")
    with archive:
        names = archive.namelist()
        for name in names:
            if name.endswith(suffixes):
                return name, archive.read(name)
    raise SourceError(
        source.id,
        f"the open-data ZIP has no {source.resource} file (members: {', '.join(names)}); "
        "older Decidim versions leave accountability results out of the export",
        url=url,
    )
