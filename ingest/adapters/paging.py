"""A guard for paging loops: stops a source whose server pages in circles, in a few requests.

A page cap alone is no protection: a server that ignores the offset, a cursor that cycles
(A → B → A), or empty pages that keep announcing "more" with ever-new cursors would each run
to a cap of 10 000 pages or more before failing, loading duplicates on the way. The guard
watches what each page brings instead — the ids it carries, the next cursor, offset or link it
hands out, whether it claims more — and fails the source, naming it and the URL, as soon as
the paging stops making progress. It also checks the end: fewer records than the total the
API announced is a shortfall, and fails the source, so its previous rows stay in place.

Any adapter can use it, whatever its paging style: call `page()` once per page, then
`complete()` when the loop ends.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from ingest.records import SourceError

DEFAULT_MAX_PAGES = 100_000
# Empty pages in a row that may still claim more (a filter applied after paging can empty a
# page legitimately); one more than this, and the server is judged to be looping.
EMPTY_PAGES_ALLOWED = 2


class PagingGuard:
    """Progress checks for one paging loop of one source."""

    def __init__(
        self,
        source_id: str,
        *,
        max_pages: int = DEFAULT_MAX_PAGES,
        empty_pages_allowed: int = EMPTY_PAGES_ALLOWED,
    ) -> None:
        self.source_id = source_id
        self.max_pages = max_pages
        self.empty_pages_allowed = empty_pages_allowed
        self.pages = 0
        self.records = 0
        self._seen_ids: set[Hashable] = set()
        self._seen_next: dict[Hashable, int] = {}
        self._empty_run = 0

    def page(
        self,
        url: str,
        *,
        ids: Iterable[Hashable],
        next_page: Hashable | None,
        more: bool,
    ) -> None:
        """Record one page; raise SourceError if paging is going round in circles.

        `ids` identify the page's records, one per record (a record id, or the record's
        content when it has none; None for a record that cannot be identified);
        `next_page` is what the next request will ask for (cursor, offset or next link);
        `more` is whether the server says there is more to come.
        """
        self.pages += 1
        page_ids = list(ids)
        self.records += len(page_ids)
        known = [i for i in page_ids if i is not None]  # a record without an id proves nothing
        if known and all(i in self._seen_ids for i in known):
            self._fail(
                url,
                f"page {self.pages} repeats {len(known)} record(s) already read; the server "
                "seems to ignore the paging parameters",
            )
        self._seen_ids.update(known)
        if not more:
            return
        self._empty_run = 0 if page_ids else self._empty_run + 1
        if self._empty_run > self.empty_pages_allowed:
            self._fail(
                url,
                f"{self._empty_run} pages in a row held no records yet announced more "
                f"(page {self.pages}); the server is paging in circles",
            )
        if next_page is None or next_page == "":
            self._fail(url, f"page {self.pages} announces more but gives no way to reach it")
        if next_page in self._seen_next:
            self._fail(
                url,
                f"page {self.pages} sends paging back to {next_page!r}, already used after "
                f"page {self._seen_next[next_page]}; the server is paging in circles",
            )
        self._seen_next[next_page] = self.pages
        if self.pages >= self.max_pages:
            self._fail(url, f"stopped after {self.max_pages} pages")

    def complete(self, url: str, total: int | None) -> None:
        """At the end of paging: fewer records than the announced total fails the source."""
        if total is not None and self.records < total:
            self._fail(
                url,
                f"paging delivered {self.records} of the {total} records the API announced "
                f"(stopped after {self.pages} page(s)); the previous rows are kept",
            )

    def _fail(self, url: str, message: str) -> None:
        raise SourceError(self.source_id, message, url=url)
