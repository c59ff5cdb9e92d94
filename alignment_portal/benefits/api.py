"""The benefit ledger in the API (`/api/v1/benefits`), added to alignment_portal/api/api.py's
NinjaAPI: read every initiative's ledger (read scope) and push realised entries (write scope),
idempotent per initiative and month like values."""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Router
from pydantic import BaseModel

from alignment_portal.api.batch import MAX_BATCH, Batch, BatchCounts, ItemStatus, require_scope
from alignment_portal.api.models import Scope
from alignment_portal.benefits.models import PaybackStatus
from alignment_portal.benefits.selectors import ledger_rows
from alignment_portal.benefits.services import BenefitRow, benefit_entries_record
from alignment_portal.benefits.validation import validate_benefit
from initiatives.models import Initiative
from metrics.models import Source

router = Router(tags=["benefits"])


class BenefitOut(BaseModel):
    initiative_id: int
    initiative: str
    expected_monthly: float | None = Field(
        description="Expected benefit per month in the organization's currency (hours × hour "
                    "value + money); null when it needs an hour value that is not set.")
    cost_to_date: float = Field(description="One-time cost + monthly cost × whole months "
                                            "since go-live (or start).")
    realised_to_date: float | None = Field(description="Sum of the realised entries since "
                                                       "the go-live month, in money.")
    realisation: float | None = Field(description="Realised ÷ (expected × months live), a "
                                                  "fraction; null before a whole month.")
    net: float | None = Field(description="Realised to date − cost to date.")
    roi: float | None = Field(description="Net ÷ cost to date, a fraction; null at no cost.")
    payback: date | Literal["not at this rate"] | None = Field(
        description="The month (its first day) cumulative benefit reaches (or reached) "
                    "cumulative cost, projected from the last 3 months; 'not at this rate' "
                    "when that rate does not exceed the monthly cost; null when unknown.")


class BenefitsOut(BaseModel):
    currency: str
    items: list[BenefitOut]


def _payback(score):
    if score.payback_status == PaybackStatus.NOT_AT_THIS_RATE:
        return "not at this rate"
    return score.payback_month


@router.get("/benefits", response=BenefitsOut, summary="Every initiative's benefit ledger")
def read_benefits(request):
    """The ledger of each active initiative, as of the last recompute, by name."""
    api_token = require_scope(request, Scope.READ)
    organization = api_token.organization
    items = [BenefitOut(
        initiative_id=row.initiative_id, initiative=row.initiative,
        expected_monthly=row.score.expected_monthly, cost_to_date=row.score.cost_to_date,
        realised_to_date=row.score.realised_to_date, realisation=row.score.realisation,
        net=row.score.net, roi=row.score.roi, payback=_payback(row.score))
        for row in ledger_rows(organization=organization)]
    return BenefitsOut(currency=organization.currency, items=items)


class BenefitIn(BaseModel):
    initiative: int | str = Field(description="The initiative's id, or its exact name.")
    month: date = Field(description="Any date of the month (its first day is stored).")
    hours_saved: float | str | None = Field(None, description="Hours saved that month.")
    money_gained: float | str | None = Field(None, description="Money gained that month, in "
                                                               "the organization's currency.")
    note: str = Field("", max_length=500)


class BenefitsIn(BaseModel):
    items: list[BenefitIn] = Field(..., max_length=MAX_BATCH)
    atomic: bool = Field(False, description="Store nothing if any item is refused.")


class BenefitItemResult(BaseModel):
    index: int
    status: ItemStatus
    initiative_id: int | None = None
    month: date | None = None
    reason: str | None = None


class BenefitsPushOut(BatchCounts):
    items: list[BenefitItemResult]


class RefusedBenefits(BaseModel):
    detail: str
    items: list[BenefitItemResult]


@router.post("/benefits", response={200: BenefitsPushOut, 422: RefusedBenefits},
             summary="Push realised benefit entries")
def push_benefits(request, payload: BenefitsIn):
    """Store up to 1,000 monthly entries (hours saved and/or money gained). Each item is
    `stored` (a new month), `replaced` (different figures for a month that had an entry; the
    old one stays in the history), `unchanged` (the same again) or `refused` with the reason.
    Without `atomic` the valid items are stored even when others are refused; with it nothing
    is stored if any is (422)."""
    api_token = require_scope(request, Scope.WRITE_VALUES)
    organization = api_token.organization
    initiatives = list(Initiative.objects.filter(organization=organization))
    by_id = {i.pk: i for i in initiatives}
    by_name = {i.name: i for i in initiatives}
    batch = Batch()
    for index, item in enumerate(payload.items):
        initiative = (by_id.get(item.initiative) if isinstance(item.initiative, int)
                      else by_name.get(item.initiative))
        if initiative is None:
            batch.refuse(index, f"No initiative {item.initiative!r} in this organization.")
            continue
        try:
            month, hours, money, note = validate_benefit(
                month=item.month, hours_saved=item.hours_saved, money_gained=item.money_gained,
                note=item.note)
        except ValidationError as exc:
            batch.refuse(index, " ".join(exc.messages), initiative_id=initiative.pk)
            continue
        batch.accept(index, (initiative.pk, month),
                     BenefitRow(initiative.pk, month, hours, money, note),
                     duplicate=f"Another item of this batch is for {initiative.name} in "
                               f"{month:%B %Y}.",  # the API answers in English
                     initiative_id=initiative.pk, month=month)
    return batch.answer(atomic=payload.atomic, write=lambda rows: benefit_entries_record(
        organization=organization, rows=rows, source=Source.API))
