"""The bad-bytes sweep: a NUL character in ANY field answers 400 with a clear message, never
a 500. Every operation of the API's OpenAPI document is called once per query parameter,
string path parameter and request-body property (top level and one level into objects) with
a NUL in that field alone; every form the site's pages show (found by crawling them as a
visitor, a student, an instructor and an admin) is posted once per field with a NUL in that
field alone. PostgreSQL refuses NUL in text, so this runs on PostgreSQL too:
`DATABASE_URL=postgres://… pytest tests/core/test_bad_bytes_sweep.py`."""

import json
import re
from collections import deque
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from accounts.models import User
from learners.enrollment.services import enrollment_create
from messaging.services import conversation_start
from tests.factories import make_course, make_user, quiz_block, text_lesson
from tests.learners.assessments.assessment_helpers import assignment_value

pytestmark = pytest.mark.django_db

NUL = "x\x00y"
MESSAGE = "The request contains a NUL character (\\x00), which no field accepts."
API = "/api/v1"


@pytest.fixture
def site():
    """A course with a quiz, an assignment and text lessons, a paid course, an enrolled
    student with a conversation, its instructor and an admin."""
    instructor = make_user(role=User.Role.INSTRUCTOR, first_name="Ivy", last_name="Instructor")
    admin = make_user(role=User.Role.ADMIN, first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)
    student = make_user(first_name="Sam", last_name="Student")
    course = make_course(
        title="Sweep course",
        instructor=instructor,
        sections=[
            (
                "One",
                [
                    ("Quiz lesson", [quiz_block()], {}),
                    ("Assignment lesson", [("assignment", assignment_value())], {}),
                    text_lesson("Reading"),
                ],
            )
        ],
    )
    paid = make_course(title="Paid course", instructor=instructor, pricing="one_time", price_cents=10000, lessons=1)
    enrollment_create(user=student, course=course)
    conversation, _ = conversation_start(student=student, teacher=instructor, course=course, body="Hello")
    return {
        "student": student,
        "instructor": instructor,
        "admin": admin,
        "course": course,
        "paid": paid,
        "conversation": conversation,
    }


def _assert_refused(response, where: str):
    assert response.status_code == 400, f"{where}: {response.status_code} {response.content[:300]!r}"


# --- the API, from its OpenAPI document ------------------------------------------------------


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            for option in schema[key]:
                option = _resolve(option, document)
                if option.get("type") == "object" or "properties" in option:
                    return option
    return schema


def _sample(schema: dict, document: dict):
    """A plausible value of a schema (the other fields of a request stay well formed)."""
    schema = _resolve(schema, document)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object" or "properties" in schema:
        return {name: _sample(sub, document) for name, sub in schema.get("properties", {}).items()}
    return "text"


def _body_variants(schema: dict, document: dict):
    """(field path, body) pairs: the body with a NUL in that field alone."""
    schema = _resolve(schema, document)
    properties = schema.get("properties", {})
    if not properties:  # a free-form object (an xAPI statement): a NUL in some key's value
        yield "(any)", {"statement": {"verb": {"id": NUL}}}
        return
    base = {name: _sample(sub, document) for name, sub in properties.items()}
    for name, sub in properties.items():
        inner = _resolve(sub, document)
        if "binary" in (inner.get("format"), _resolve(inner.get("items", {}), document).get("format")):
            continue  # an uploaded file's bytes are its own business; its fields are checked
        yield name, {**base, name: NUL}
        for child in inner.get("properties", {}):
            yield f"{name}.{child}", {**base, name: {**_sample(inner, document), child: NUL}}
        if inner.get("type") == "array":
            item = _resolve(inner.get("items", {}), document)
            yield f"{name}[]", {**base, name: [NUL]}
            for child in item.get("properties", {}):
                yield f"{name}[].{child}", {**base, name: [{**_sample(item, document), child: NUL}]}


def api_cases(document: dict):
    """(description, method, path, query, body, content type) for every field of every operation."""
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            path = template
            for param in params:
                if param["in"] == "path":
                    path = path.replace("{" + param["name"] + "}", "1")
            for param in params:
                where = f"{method.upper()} {template} {param['in']} {param['name']}"
                if param["in"] == "query":
                    yield where, method, path, {param["name"]: NUL}, None, None
                elif param["in"] == "path" and _resolve(param.get("schema", {}), document).get("type") == "string":
                    yield where, method, template.replace("{" + param["name"] + "}", NUL), {}, None, None
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                for field, body in _body_variants(content["schema"], document):
                    yield f"{method.upper()} {template} body {field}", method, path, {}, body, content_type


def test_every_api_field_refuses_a_nul_with_a_400(client, site):
    client.force_login(site["admin"])
    document = client.get(f"{API}/openapi.json").json()
    cases = list(api_cases(document))
    fields = {where for where, *_ in cases}
    # The sweep really covers the fields the security review named, and many more.
    for named in (
        "POST /api/v1/auth/login/ body email",
        "PATCH /api/v1/me/ body bio",
        "GET /api/v1/courses/ query q",
        "POST /api/v1/conversations/{conversation_id}/messages/ body body",
        "POST /api/v1/h5p/{block_id}/xapi/ body (any)",
        "GET /api/v1/certificates/verify/{code}/ path code",
    ):
        assert named in fields, named
    print(f"bad-bytes sweep: {len(cases)} API fields")
    assert len(cases) > 120
    for where, method, path, query, body, content_type in cases:
        url = path + ("?" + urlencode(query) if query else "")
        call = getattr(client, method)
        if body is None:
            response = call(url)
        elif content_type == "multipart/form-data":
            flat = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}
            response = call(url, flat) if method == "post" else call(url, flat, content_type=content_type)
        else:
            response = call(url, json.dumps(body), content_type=content_type)
        _assert_refused(response, where)
        assert response.json() == {"detail": MESSAGE, "code": "invalid"}, where


# --- the site's forms, found by crawling its pages ---------------------------------------------

SKIP = re.compile(
    r"^/(admin|django-admin|api|documents|media|static|ws|bench|lti|h5p|healthz)(/|$)"
    r"|/logout/|/files/|/download|/attachment/|/invoice|\.pdf$|\.ics$|\.csv$|/export"
)


def _same_site(url: str, base: str) -> str | None:
    parts = urlsplit(urljoin(base, url))
    if parts.scheme not in ("http", "") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if SKIP.search(parts.path) else path


def _forms(html: str, page: str):
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        action = _same_site(form.get("action") or page, page)
        if action is None:
            continue
        fields, files = {}, False
        for element in form.find_all(["input", "textarea", "select"]):
            name = element.get("name")
            kind = (element.get("type") or "text").lower()
            if not name or name == "csrfmiddlewaretoken" or kind in ("submit", "button", "image", "reset"):
                continue
            if kind == "file":
                files = True
                continue
            if element.name == "select":
                option = element.find("option", selected=True) or element.find("option")
                value = option.get("value", option.text) if option else ""
            elif element.name == "textarea":
                value = element.text or "text"
            elif kind in ("checkbox", "radio"):
                if name in fields:
                    continue
                value = element.get("value", "on")
            else:
                value = element.get("value") or {"email": "someone@example.test", "number": "1"}.get(kind, "text")
            fields.setdefault(name, value)
        yield (form.get("method") or "get").lower(), action, fields, files


def crawl(client, start: list[str], limit: int = 60) -> dict:
    """Pages reachable from `start` (same site, HTML, no downloads): their forms by (method,
    action path, field names)."""
    seen, queue, forms = set(), deque(start), {}
    while queue and len(seen) < limit:
        page = queue.popleft()
        key = re.sub(r"\d+", "N", page)  # one page per URL shape: /lessons/1/ and /lessons/2/ alike
        if key in seen:
            continue
        seen.add(key)
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for link in BeautifulSoup(html, "html.parser").find_all("a", href=True):
            target = _same_site(link["href"].split("#")[0], page)
            if target:
                queue.append(target)
        for method, action, fields, files in _forms(html, page):
            if fields:
                forms.setdefault((method, urlsplit(action).path, tuple(sorted(fields))), (action, fields, files))
    return forms


def _submit(client, method: str, action: str, data: dict, files: bool):
    if method == "get":
        separator = "&" if "?" in action else "?"
        return client.get(action + separator + urlencode(data))
    if files:
        return client.post(action, data)  # multipart, as the browser sends it
    return client.post(action, urlencode(data), content_type="application/x-www-form-urlencoded")


def test_every_form_of_the_site_refuses_a_nul_in_each_field_with_a_400(client, site):
    course, conversation = site["course"], site["conversation"]
    visitors = [
        (None, ["/", "/courses/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]),
        (
            site["student"],
            [
                "/dashboard/",
                course.url,
                *[lesson.url for lesson in course.lessons().specific()],
                "/account/profile/",
                "/account/privacy/",
                "/accounts/email/",
                "/accounts/password/change/",
                "/messages/",
                "/messages/new/",
                f"/messages/{conversation.pk}/",
                f"/payments/checkout/?course={site['paid'].pk}",
                "/payments/cart/",
                "/payments/subscribe/",
                "/live/book/",
                "/certificates/",
                "/certificates/verify/",
            ],
        ),
        (site["instructor"], ["/instructor/", "/live/availability/", "/live/", "/payments/earnings/"]),
        (site["admin"], ["/dashboard/", f"/messages/{conversation.pk}/"]),
    ]
    found = {}
    for user, start in visitors:
        client.logout()
        if user is not None:
            client.force_login(user)
        for key, form in crawl(client, start).items():
            found.setdefault(key, (user, *form))
    actions = {path for _method, path, _fields in found}
    for expected in (
        "/accounts/login/",
        "/accounts/signup/",
        "/account/profile/",
        f"/learn/courses/{course.pk}/review/",
        f"/messages/{conversation.pk}/send/",
        "/courses/",
    ):
        assert expected in actions, (expected, sorted(actions))
    checked = 0
    for (method, path, names), (user, action, fields, files) in found.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for name in names:
            response = _submit(client, method, action, {**fields, name: NUL}, files)
            _assert_refused(response, f"{method.upper()} {path} field {name}")
            assert "NUL character" in response.content.decode(), path
            checked += 1
    print(f"bad-bytes sweep: {len(found)} forms, {checked} fields")
    assert checked > 40
