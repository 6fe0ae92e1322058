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


def block_form_data(block, value, prefix: str) -> list[tuple[str, str]]:
    """The inputs the editor's JavaScript builds for `value` of `block` under `prefix`, as
    (name, value) pairs: the block's own form state (what the page embeds for the browser)
    turned into the fields the browser posts back. Covers every block family a lesson uses."""
    return _state_inputs(block, block.get_form_state(value), prefix)


def _state_inputs(block, state, prefix: str) -> list[tuple[str, str]]:
    from wagtail import blocks

    if isinstance(block, blocks.StreamBlock):
        pairs = [(f"{prefix}-count", str(len(state)))]
        for i, child in enumerate(state):
            pairs += [
                (f"{prefix}-{i}-type", child["type"]),
                (f"{prefix}-{i}-deleted", ""),
                (f"{prefix}-{i}-order", str(i)),
            ]
            pairs.append((f"{prefix}-{i}-id", child.get("id") or ""))
            pairs += _state_inputs(block.child_blocks[child["type"]], child["value"], f"{prefix}-{i}-value")
        return pairs
    if isinstance(block, blocks.ListBlock):
        pairs = [(f"{prefix}-count", str(len(state)))]
        for i, item in enumerate(state):
            pairs += [
                (f"{prefix}-{i}-deleted", ""),
                (f"{prefix}-{i}-order", str(i)),
                (f"{prefix}-{i}-id", item.get("id") or ""),
            ]
            pairs += _state_inputs(block.child_block, item["value"], f"{prefix}-{i}-value")
        return pairs
    if isinstance(block, blocks.StructBlock):
        pairs = []
        for name, child in block.child_blocks.items():
            pairs += _state_inputs(child, state.get(name), f"{prefix}-{name}")
        return pairs
    if isinstance(block, blocks.StaticBlock):
        return []
    if isinstance(block, blocks.BooleanBlock):
        return [(prefix, "on")] if state else []
    if isinstance(state, dict):  # a chooser: the widget posts the chosen object's id
        return [(prefix, str(state["id"]))]
    if isinstance(state, list | tuple):  # a multiple choice: one input per value
        return [(prefix, str(item)) for item in state]
    return [(prefix, "" if state is None else str(state))]


def page_edit_post(client, page, field: str = "body", action: str | None = None) -> dict:
    """The edit form of `page` as the browser posts it unchanged: the server-rendered inputs
    plus the StreamField `field` built from the page's latest revision (Wagtail 8 renders a
    StreamField's inputs in the browser, so the HTML alone has none)."""
    url = edit_url(page)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    latest = page.get_latest_revision_as_object()
    stream = latest._meta.get_field(field).stream_block
    for key in [key for key in data if key == field or key.startswith(f"{field}-")]:
        del data[key]
    for key, value in block_form_data(stream, getattr(latest, field), field):
        data.appendlist(key, value)
    if action:
        data[action] = "1"
    return as_post(data)
