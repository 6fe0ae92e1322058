"""Lists: {"count", "next", "previous", "results"}, ?page= and ?page_size= (at most 100)."""

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import PageNumberPagination


class Paginated(PageNumberPagination):
    class Output(Schema):
        count: int
        next: str | None = None
        previous: str | None = None
        results: list[Any]

    items_attribute = "results"

    def __init__(self, page_size: int = 20, max_page_size: int = 100, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)

    def paginate_queryset(self, queryset, pagination: PageNumberPagination.Input, request: HttpRequest, **params):
        page_size = self._get_page_size(pagination.page_size)
        page = pagination.page
        offset = (page - 1) * page_size
        count = self._items_count(queryset)
        return {
            "count": count,
            "next": _page_url(request, page + 1, page_size) if offset + page_size < count else None,
            "previous": _page_url(request, page - 1, page_size) if page > 1 else None,
            "results": list(queryset[offset : offset + page_size]),
        }


def _page_url(request: HttpRequest, page: int, page_size: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    query["page_size"] = str(page_size)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
