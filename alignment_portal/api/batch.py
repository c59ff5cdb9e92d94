"""What the API's batch endpoints (`/values`, `/benefits`) share: the token's scope check, the
per-item answer (`stored`, `replaced`, `unchanged` or `refused` with the reason), the rule
that one batch holds one item per key, the atomic rule and the counts."""

from collections.abc import Callable, Hashable
from typing import Literal

from django.http import HttpRequest, JsonResponse
from ninja.errors import HttpError
from pydantic import BaseModel

from alignment_portal.api.models import ApiToken

MAX_BATCH = 1000

ItemStatus = Literal["stored", "replaced", "unchanged", "refused"]
STATUS_OF_OUTCOME = {"created": "stored", "replaced": "replaced", "unchanged": "unchanged"}


class BatchCounts(BaseModel):
    stored: int
    replaced: int
    unchanged: int
    refused: int


def require_scope(request: HttpRequest, scope: str) -> ApiToken:
    """The request's token (authenticated by the API), if its scope allows `scope`; else 403."""
    api_token: ApiToken = request.auth
    if not api_token.allows(scope):
        raise HttpError(403, f"This token's scope is '{api_token.scope}'; this needs "
                             f"'{scope}'.")
    return api_token


class Batch:
    """The answer to a batch, item by item, in the order sent. `refuse` an item with its
    reason, or `accept` it with the row to write under its key (a second item for a key
    already accepted is refused with `duplicate`). `answer` writes the accepted rows (unless
    the batch is atomic and something was refused: then a 422 and nothing stored) and sets
    each item's status from what the write did."""

    def __init__(self) -> None:
        self.results: list[dict] = []
        self.rows: list = []
        self._index_of_key: dict[Hashable, int] = {}

    def refuse(self, index: int, reason: str, **fields) -> None:
        self.results.append({"index": index, "status": "refused", **fields, "reason": reason})

    def accept(self, index: int, key: Hashable, row, *, duplicate: str, **fields) -> None:
        if key in self._index_of_key:
            self.refuse(index, duplicate, **fields)
            return
        self._index_of_key[key] = len(self.results)
        self.rows.append(row)
        self.results.append({"index": index, "status": "stored", **fields})

    def answer(self, *, atomic: bool, write: Callable[[list], object]) -> JsonResponse:
        refused = [r for r in self.results if r["status"] == "refused"]
        if atomic and refused:
            return JsonResponse({
                "detail": f"{len(refused)} item(s) refused; atomic batch: nothing was stored.",
                "items": refused}, status=422)
        if self.rows:
            for key, outcome in write(self.rows).outcomes.items():
                self.results[self._index_of_key[key]]["status"] = STATUS_OF_OUTCOME[outcome]
        counts = dict.fromkeys(BatchCounts.model_fields, 0)
        for result in self.results:
            counts[result["status"]] += 1
        # Built by hand rather than validated against the response schema: it has that shape
        # by construction, and validating 1,000 items again costs more than the write.
        return JsonResponse({**counts, "items": self.results})
