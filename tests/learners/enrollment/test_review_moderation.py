"""Moderators hide, delete and restore course reviews from the admin's Reviews screen: hidden
and deleted reviews leave the course page, the catalog's and the API's rating; the author
still sees a hidden one; every decision is in Wagtail's audit log with who made it."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.roles import MODERATORS_GROUP
from learners.enrollment.services import LearningError, enrollment_create, review_moderate, review_save
from learners.models import Review
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews(student, other_student, free_course):
    for user, rating, body in ((student, 1, "Buy crypto at spam.example"), (other_student, 5, "Clear and kind.")):
        enrollment_create(user=user, course=free_course)
        review_save(user=user, course=free_course, rating=rating, body=body)
    return Review.objects.get(user=student), Review.objects.get(user=other_student)


@pytest.fixture
def moderator():
    user = make_user(role=User.Role.INSTRUCTOR, first_name="Mo", last_name="Moderator")
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def test_a_hidden_review_leaves_the_page_the_rating_and_the_api_but_its_author_sees_it(
    client, reviews, free_course, other_student, student, moderator
):
    spam, _good = reviews
    client.force_login(moderator)
    response = client.post(f"/admin/reviews/edit/{spam.pk}/", {"moderation": "hidden", "moderation_note": "Spam link"})
    assert response.status_code == 302, response.content
    spam.refresh_from_db()
    assert spam.is_hidden and spam.moderated_by == moderator and spam.moderated_at is not None
    entry = ModelLogEntry.objects.get(action="lectern.moderation_hide", object_id=str(spam.pk))
    assert entry.user_id == moderator.pk and entry.data["note"] == "Spam link"

    client.logout()
    page = client.get(free_course.url).content.decode()
    assert "spam.example" not in page and "Clear and kind." in page
    assert "5.0 from 1 review" in page
    listing = client.get("/api/v1/courses/").json()["results"]
    assert [c["rating"] for c in listing if c["id"] == free_course.pk] == [{"average": 5.0, "count": 1}]

    client.force_login(other_student)
    assert "spam.example" not in client.get(free_course.url).content.decode()
    client.force_login(student)
    own = client.get(free_course.url).content.decode()
    assert "A moderator has hidden your review" in own and "spam.example" in own  # in the author's form only
    # Editing keeps the moderator's decision.
    review_save(user=student, course=free_course, rating=2, body="Still spam.example")
    assert Review.objects.get(pk=spam.pk).is_hidden


def test_a_deleted_review_is_gone_for_everyone_and_cannot_be_reposted_until_restored(
    client, reviews, free_course, student, admin_user
):
    spam, _good = reviews
    review_moderate(review=spam, moderator=admin_user, state="deleted", note="Abuse")
    client.force_login(student)
    page = client.get(free_course.url).content.decode()
    assert "A moderator removed your review" in page and "spam.example" not in page
    assert 'name="rating"' not in page
    with pytest.raises(LearningError) as refused:
        review_save(user=student, course=free_course, rating=3)
    assert refused.value.code == "review_removed"
    review_moderate(review=spam, moderator=admin_user, state="visible")
    assert "spam.example" in client.get(free_course.url).content.decode()
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(spam.pk), content_type__model="review")
        .order_by("timestamp", "pk")
        .values_list("action", "user_id")
    )
    assert actions == [
        ("lectern.moderation_delete", admin_user.pk),
        ("lectern.moderation_restore", admin_user.pk),
    ]


def test_only_moderators_moderate_reviews(client, reviews, student, instructor):
    spam, _good = reviews
    for user in (student, instructor):
        with pytest.raises(LearningError) as refused:
            review_moderate(review=spam, moderator=user, state="hidden")
        assert refused.value.code == "forbidden"
    client.force_login(instructor)
    assert client.get("/admin/reviews/").status_code in (302, 403)
    assert client.post(f"/admin/reviews/edit/{spam.pk}/", {"moderation": "deleted"}).status_code in (302, 403)
    spam.refresh_from_db()
    assert spam.is_visible and not ModelLogEntry.objects.filter(content_type__model="review").exists()


def test_the_reviews_screen_lists_and_filters_by_state(client, reviews, admin_user):
    spam, good = reviews
    review_moderate(review=spam, moderator=admin_user, state="hidden")
    client.force_login(admin_user)
    hidden = client.get("/admin/reviews/?moderation=hidden").content.decode()
    assert "spam.example" in hidden and "Clear and kind." not in hidden
    edit = client.get(f"/admin/reviews/edit/{good.pk}/").content.decode()
    assert 'name="moderation"' in edit and 'name="moderation_note"' in edit and 'name="rating"' not in edit
