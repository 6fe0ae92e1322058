"""Lists: {"count", "next", "previous", "results"}, ?page= and ?page_size= (at most 100)."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# A page number whose offset still fits the database's OFFSET (beyond the last page the
# results are simply empty); page sizes above 100 are served as 100.
MAX_PAGE = 2**31 - 1
MAX_PAGE_SIZE = 100
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE, description="At most 100 are served.")]


class Paginated(PageNumberPagination):
    class Input(Schema):
        page: PageNumber = 1
        page_size: PageSize | None = None

    class Output(Schema):
        count: int
        next: str | None = None
        previous: str | None = None
        results: list[Any]

    items_attribute = "results"

    def __init__(self, page_size: int = 20, max_page_size: int = MAX_PAGE_SIZE, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)

    def paginate_queryset(self, queryset, pagination: PageNumberPagination.Input, request: HttpRequest, **params):
        return page_of(request, queryset, page=pagination.page, page_size=self._get_page_size(pagination.page_size))


def page_of(request: HttpRequest, items, *, page: int, page_size: int, serialize=None) -> dict:
    """One page of a queryset or list as {"count", "next", "previous", "results"}: what
    `Paginated` answers, for endpoints that build their page themselves. `page_size` is
    served at most 100; `serialize` turns each item of the page into its output."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    offset = (page - 1) * page_size
    count = items.count() if hasattr(items, "model") else len(items)
    results = list(items[offset : offset + page_size])
    return {
        "count": count,
        "next": _page_url(request, page + 1, page_size) if offset + page_size < count else None,
        "previous": _page_url(request, page - 1, page_size) if page > 1 else None,
        "results": [serialize(item) for item in results] if serialize else results,
    }


def _page_url(request: HttpRequest, page: int, page_size: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    query["page_size"] = str(page_size)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
