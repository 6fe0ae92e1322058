"""POPIA/GDPR: a person downloads everything we hold about them, and deletes their account.

Export walks every model that points at the user (and, one step further, the records that
hang off those, such as lesson progress under an enrollment), so a new app's data is
included without anyone remembering to add it. Deletion anonymises the account in place:
learning records then belong to nobody identifiable, financial records stay as the law
requires, and sign-in becomes impossible."""

import datetime
import decimal
import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from wagtail.log_actions import log

from .models import User
from .tokens import token_revoke_all

# Never exported: secrets, and records that are about other people or about pages.
EXCLUDED_MODELS = {
    "accounts.refreshtoken",
    "account.emailconfirmation",
    "socialaccount.socialtoken",
    "admin.logentry",
    "sessions.session",
}
EXCLUDED_APPS = {
    "wagtailcore",
    "wagtailadmin",
    "wagtaildocs",
    "wagtailimages",
    "wagtailembeds",
    "wagtailsearch",
    "taggit",
    "contenttypes",
    "auth",
}
SECRET_FIELD_WORDS = ("password", "secret", "encrypted", "token")


def _value(field, obj):
    value = field.value_from_object(obj)
    if isinstance(field, models.FileField):
        return value.name if value else None
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _row(obj) -> dict:
    return {
        field.attname if field.is_relation else field.name: _value(field, obj)
        for field in obj._meta.concrete_fields
        if not any(word in field.name for word in SECRET_FIELD_WORDS)
    }


def _exportable(model) -> bool:
    label = model._meta.label_lower
    return label not in EXCLUDED_MODELS and model._meta.app_label not in EXCLUDED_APPS


def _reverse_foreign_keys(model):
    for relation in model._meta.related_objects:
        if (relation.one_to_many or relation.one_to_one) and _exportable(relation.related_model):
            yield relation.related_model, relation.field.name


def user_data_export(*, user: User) -> dict:
    """Everything about `user` as JSON-ready data, and nothing about anyone else."""
    data: dict = {
        "generated_at": timezone.now().isoformat(),
        "account": {key: value for key, value in _row(user).items() if key not in ("is_superuser",)},
        "groups": list(user.groups.values_list("name", flat=True)),
        "records": {},
    }
    for model, field_name in _reverse_foreign_keys(User):
        rows = list(model._default_manager.filter(**{field_name: user}))
        if not rows:
            continue
        section = data["records"].setdefault(model._meta.label, [])
        section.extend(_row(row) for row in rows)
        ids = [row.pk for row in rows]
        for child_model, child_field in _reverse_foreign_keys(model):
            if child_model is User:
                continue
            children = child_model._default_manager.filter(**{f"{child_field}__in": ids})
            rows_out = [_row(child) for child in children]
            if rows_out:
                data["records"].setdefault(child_model._meta.label, []).extend(rows_out)
    return data


@transaction.atomic
def user_account_delete(*, user: User, actor: User | None = None) -> User:
    """Anonymise the account: identity removed, sign-in impossible, records kept unlinked
    from any person. Each app may add its own step in settings.ACCOUNT_DELETION_HOOKS."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    for path in getattr(settings, "ACCOUNT_DELETION_HOOKS", []):
        import_string(path)(user=user)
    if user.avatar:
        user.avatar.delete(save=False)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    token_revoke_all(user=user)
    user.email = f"deleted-{user.pk}-{uuid.uuid4().hex[:8]}@deleted.invalid"
    user.first_name = ""
    user.last_name = "Deleted user"
    user.bio = ""
    user.avatar = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.email_opt_out = True
    user.anonymised_at = timezone.now()
    user.set_unusable_password()  # also ends every session (the session hash changes)
    user.save()
    user.groups.clear()
    log(instance=user, action="lectern.user.deleted", user=actor or user)
    return user
