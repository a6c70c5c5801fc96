"""A local Decidim GraphQL endpoint that answers like a real instance of a given version.

Queries are executed by graphql-core against the schema written from Decidim's type
definitions for that version (tests/fixtures/api/decidim/schema/), over synthetic data in
that version's shapes (tests/fixtures/api/decidim/instances/). A field the version does not
have fails validation here exactly as it would on the real server.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphql import GraphQLResolveInfo, build_schema, get_named_type, graphql_sync
from graphql.type import GraphQLSchema
from werkzeug import Request, Response

from .support import FIXTURES

SCHEMA_DIR = FIXTURES / "decidim" / "schema"
INSTANCE_DIR = FIXTURES / "decidim" / "instances"
VERSIONS = ("0.20", "0.27", "0.28", "0.29-0.30")


def schema_for(version: str) -> GraphQLSchema:
    """The GraphQL schema of one Decidim version, as far as Uptake reads it."""
    sdl = (SCHEMA_DIR / f"decidim-{version}.graphql").read_text(encoding="utf-8")
    return build_schema(sdl + (SCHEMA_DIR / "common.graphql").read_text(encoding="utf-8"))


def instance(name: str) -> dict[str, Any]:
    return json.loads((INSTANCE_DIR / name).read_text(encoding="utf-8"))


def cursor(index: int) -> str:
    """graphql-ruby's cursor: the item's 1-based position, base64-encoded without padding."""
    return base64.b64encode(str(index).encode()).decode().rstrip("=")


def _position(after: str | None) -> int:
    if not after:
        return 0
    return int(base64.b64decode(after + "=" * (-len(after) % 4)).decode())


class DecidimServer:
    """Answers POST /api like a Decidim instance of `version` holding `data`.

    `order` may rearrange a connection's items for each request (page number from 1), to
    play a server whose result order shifts between pages.
    """

    def __init__(
        self,
        version: str,
        data: Mapping[str, Any],
        *,
        introspection: bool = True,
        order: Callable[[int, Sequence[Any]], Sequence[Any]] | None = None,
    ) -> None:
        self.schema = schema_for(version)
        self.data = data
        self.introspection = introspection
        self.order = order
        self.requests: list[dict[str, Any]] = []

    def handler(self, request: Request) -> Response:
        payload = json.loads(request.get_data())
        self.requests.append(payload)
        if not self.introspection and "__type(" in payload["query"]:
            body: dict[str, Any] = {
                "errors": [{"message": "Introspection is disabled for this request"}]
            }
        else:
            result = graphql_sync(
                self.schema,
                payload["query"],
                root_value=self.data,
                variable_values=payload.get("variables"),
                field_resolver=self._resolve,
            )
            body = result.formatted
        return Response(json.dumps(body), content_type="application/json")

    def _resolve(self, source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        name = info.field_name
        if info.parent_type.name == "Query" and name == "component":
            return source["components"].get(str(args["id"]))
        if info.parent_type.name == "TranslatedField":
            if name == "translation":
                return source.get(args["locale"])
            if name == "locales":
                return list(source)
            return [{"locale": k, "text": v} for k, v in source.items()]
        value = source.get(name) if isinstance(source, Mapping) else None
        if get_named_type(info.return_type).name.endswith("Connection"):
            return self._connection(list(value or []), args)
        return value

    def _connection(self, items: list[Any], args: Mapping[str, Any]) -> dict[str, Any]:
        if self.order is not None:
            items = list(self.order(len(self.requests), items))
        start = _position(args.get("after"))
        first = args.get("first") or len(items)
        page = items[start : start + first]
        end = start + len(page)
        return {
            "edges": [
                {"cursor": cursor(start + i + 1), "node": node} for i, node in enumerate(page)
            ],
            "pageInfo": {
                "hasNextPage": end < len(items),
                "hasPreviousPage": start > 0,
                "startCursor": cursor(start + 1) if page else None,
                "endCursor": cursor(end) if page else None,
            },
        }


def serve(httpserver: Any, server: DecidimServer) -> DecidimServer:
    httpserver.expect_request("/api", method="POST").respond_with_handler(server.handler)
    return server


def probe_answer(version: str, component_id: str, typename: str) -> dict[str, Any]:
    """What a Decidim `version` answers to the adapter's probe, for a component of that type."""
    from ingest.adapters.decidim import PROBE_QUERY

    data = {
        "decidim": {"version": None, "applicationName": "Synthetic"},
        "components": {component_id: {"__typename": typename, "id": component_id}},
    }
    server = DecidimServer(version, data)
    result = graphql_sync(
        server.schema,
        PROBE_QUERY,
        root_value=data,
        variable_values={"componentId": component_id},
        field_resolver=server._resolve,
    )
    return result.formatted
