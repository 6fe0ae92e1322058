"""Reads of user accounts for the admin screens and the admin API."""

from django.db.models import Q, QuerySet

from .models import User


def people(
    *, queryset: QuerySet[User] | None = None, q: str = "", role: str = "", active: bool | None = None
) -> QuerySet[User]:
    """Accounts of people: deleted (anonymised) ones are gone. `q` matches email and names,
    `role` one of User.Role, `active` the is_active flag; email order."""
    queryset = (User.objects.all() if queryset is None else queryset).filter(anonymised_at__isnull=True)
    q = q.strip()
    if q:
        queryset = queryset.filter(Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    if role:
        queryset = queryset.filter(role=role)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.order_by("email", "pk")
