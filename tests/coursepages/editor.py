"""Post the real Wagtail page editor forms, as a browser would."""

from django.http import QueryDict
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html


def listblock(items: list) -> dict:
    """ListBlock form data (like `streamfield`, without a block type per item)."""
    data = {str(i): {"value": value, "deleted": "", "order": str(i)} for i, value in enumerate(items)}
    data["count"] = str(len(items))
    return data


def editor_data(client, url: str, fields: dict, lists: dict | None = None) -> QueryDict:
    """The editor form at `url` as the browser would submit it, with `fields` (nested, see
    nested_form_data) filled in and `lists` (name → values) set for multi-value inputs."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    for key, value in nested_form_data(fields).items():
        data.setlist(key, [value])
    for key, values in (lists or {}).items():
        data.setlist(key, [str(v) for v in values])
    return data


def as_post(data: QueryDict) -> dict:
    """The test client posts a QueryDict's last value per key only: give it every value."""
    return dict(data.lists())


def add_url(model: str, parent) -> str:
    return reverse("wagtailadmin_pages:add", args=("coursepages", model, parent.pk))


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def post_new_page(client, model: str, parent, fields: dict, lists: dict | None = None, action: str | None = None):
    url = add_url(model, parent)
    data = editor_data(client, url, fields, lists)
    if action:
        data[action] = "1"
    return client.post(url, as_post(data))


def post_edit(client, page, fields: dict, lists: dict | None = None, action: str | None = None):
    url = edit_url(page)
    data = editor_data(client, url, fields, lists)
    if action:
        data[action] = "1"
    return client.post(url, as_post(data))
