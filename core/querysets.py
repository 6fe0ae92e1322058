"""Querysets whose rows get figures computed in Python, in bulk, when they are fetched."""

from django.db.models import QuerySet


def after_fetch(queryset: QuerySet, attach) -> QuerySet:
    """`queryset`, whose rows are handed all together to `attach(rows)` each time it is
    fetched (iterated, sliced and iterated by a paginator, `.get()`), before anyone sees them:
    for figures that are not SQL, such as those read from a course's cached structure, on
    querysets that are paginated elsewhere. `attach` sets attributes on the rows; it sees only
    the rows fetched (a page), at a cost that should not grow with their number. Kept by
    `.filter()`, `.order_by()` and the like; `.values()` and `.count()` skip it."""
    base = queryset._iterable_class

    class AttachingIterable(base):
        def __iter__(self):
            rows = list(super().__iter__())
            if rows:
                attach(rows)
            yield from rows

    clone = queryset.all()
    clone._iterable_class = AttachingIterable
    return clone
