"""Admin screens for learning records: admins see all rows, instructors only their courses',
nobody edits them by hand, and the lists export."""

import pytest

from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import lessons_of, make_course, make_user


@pytest.fixture
def records(instructor, other_instructor):
    mine = make_course(title="Mine", instructor=instructor, lessons=1)
    theirs = make_course(title="Theirs", instructor=other_instructor, lessons=1)
    alice, bob = make_user(email="alice@example.test"), make_user(email="bob@example.test")
    enrollment_create(user=alice, course=mine)
    lesson_complete(context=learning_context_for(user=alice, lesson=lessons_of(mine)[0]))
    enrollment_create(user=bob, course=theirs)
    return mine, theirs


@pytest.mark.django_db
def test_instructors_see_only_their_courses_rows(client, instructor, records):
    client.force_login(instructor)
    enrollments = client.get("/admin/learning_enrollments/").content.decode()
    assert "alice@example.test" in enrollments and "bob@example.test" not in enrollments
    progress = client.get("/admin/learning_progress/").content.decode()
    assert "alice@example.test" in progress and "bob@example.test" not in progress
    assert client.get("/admin/learning_quiz_attempts/").status_code == 200


@pytest.mark.django_db
def test_admins_see_every_row_and_export(client, admin_user, records):
    client.force_login(admin_user)
    html = client.get("/admin/learning_enrollments/").content.decode()
    assert "alice@example.test" in html and "bob@example.test" in html
    export = client.get("/admin/learning_enrollments/?export=csv")
    body = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "alice@example.test" in body and "bob@example.test" in body


@pytest.mark.django_db
def test_records_cannot_be_edited_and_students_are_kept_out(client, admin_user, student, records):
    from learners.models import Enrollment

    client.force_login(admin_user)
    enrollment = Enrollment.objects.first()
    assert client.get(f"/admin/learning_enrollments/edit/{enrollment.pk}/").status_code in (302, 403)
    client.force_login(student)
    assert client.get("/admin/learning_enrollments/").status_code == 302
