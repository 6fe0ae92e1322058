"""Shapes shared by several routers. One class per OpenAPI component name: two classes with
the same name would silently overwrite each other in /api/v1/openapi.json. Money objects
(MoneyOut) are built by core.money.money_json."""

from typing import Annotated

from ninja import Schema
from pydantic import Field


class MoneyOut(Schema):
    """Integer cents and an ISO currency code: {"amount": 49900, "currency": "ZAR"}."""

    amount: int
    currency: str


class PersonOut(Schema):
    id: int
    name: str


# Ids in paths, queries and bodies are bounded by their columns, so an impossible id is a 400
# (bad input) rather than a database error: pages (courses, lessons) are Wagtail's int4
# AutoField, other rows BigAutoField.
MAX_PAGE_ID = 2**31 - 1
MAX_ROW_ID = 2**63 - 1
PageId = Annotated[int, Field(ge=1, le=MAX_PAGE_ID)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def rating_of(course) -> dict:
    """A course's rating from the catalog annotations (rating_avg, rating_count)."""
    average = round(course.rating_avg, 2) if course.rating_avg is not None else None
    return {"average": average, "count": course.rating_count}
