"""Categories and subcategories: a treebeard tree, edited on the admin's Categories screen."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from coursepages.models import Category
from coursepages.services import CategoryError, category_create, category_delete, category_update
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return make_user(role=User.Role.ADMIN)


def test_the_services_keep_a_sorted_tree():
    tech = category_create(name="Technology")
    arts = category_create(name="Arts")
    python = category_create(name="Python", parent=tech)
    django = category_create(name="Django", parent=tech)
    assert [(c.name, c.depth) for c in Category.get_tree()] == [
        ("Arts", 1),
        ("Technology", 1),
        ("Django", 2),
        ("Python", 2),
    ]
    assert python.slug == "python"

    category_update(category=python, name="Python", parent=arts)
    assert Category.objects.get(name="Python").get_parent() == arts
    category_update(category=Category.objects.get(name="Technology"), name="Computing", parent=None)
    assert [c.name for c in Category.get_root_nodes()] == ["Arts", "Computing"]
    with pytest.raises(CategoryError, match="choose a parent outside it"):
        category_update(
            category=Category.objects.get(name="Computing"), name="Computing", parent=Category.objects.get(pk=django.pk)
        )
    with pytest.raises(CategoryError, match="cannot be its own parent"):
        category_update(category=arts, name="Arts", parent=arts)


def test_a_category_in_use_is_not_deleted(instructor):
    tech = category_create(name="Technology")
    web = category_create(name="Web", parent=tech)
    make_course(title="Django", instructor=instructor, category=web)
    with pytest.raises(CategoryError, match="1 course"):
        category_delete(category=tech)
    assert Category.objects.count() == 2
    empty = category_create(name="Empty")
    category_delete(category=empty)
    assert not Category.objects.filter(name="Empty").exists()


def test_the_admin_screen_lists_the_tree_and_adds_edits_and_deletes(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("categories:add"), {"name": "Science", "slug": "", "description": "", "parent": ""})
    assert response.status_code == 302
    science = Category.objects.get(name="Science")
    assert science.is_root() and science.slug == "science"

    form = client.get(reverse("categories:add") + f"?parent={science.pk}").content.decode()
    assert f'<option value="{science.pk}" selected>Science</option>' in form
    client.post(reverse("categories:add"), {"name": "Biology", "slug": "", "description": "", "parent": science.pk})
    client.post(reverse("categories:add"), {"name": "Art", "slug": "", "description": "", "parent": ""})
    biology = Category.objects.get(name="Biology")
    assert biology.get_parent() == science

    listing = client.get(reverse("categories:index")).content.decode()
    names = re.findall(r">\s*(?:\u2003)*(?:↳ )?(Art|Science|Biology)\s*</a>", listing)
    assert names == ["Art", "Science", "Biology"]
    assert "\u2003↳ Biology" in listing
    assert f"?parent={science.pk}" in listing

    # Move Biology under Art through the edit form; moving Science under its own child is refused.
    response = client.post(
        reverse("categories:edit", args=(biology.pk,)),
        {"name": "Biology", "slug": "biology", "description": "Life.", "parent": Category.objects.get(name="Art").pk},
    )
    assert response.status_code == 302
    assert Category.objects.get(pk=biology.pk).get_parent().name == "Art"
    client.post(reverse("categories:add"), {"name": "Physics", "slug": "", "description": "", "parent": science.pk})
    physics = Category.objects.get(name="Physics")
    response = client.post(
        reverse("categories:edit", args=(science.pk,)),
        {"name": "Science", "slug": "science", "description": "", "parent": physics.pk},
    )
    assert response.status_code == 200
    assert Category.objects.get(pk=science.pk).is_root()

    response = client.post(reverse("categories:delete", args=(science.pk,)))
    assert response.status_code == 302
    assert not Category.objects.filter(name__in=["Science", "Physics"]).exists()


def test_instructors_do_not_get_the_categories_screen(client, instructor):
    client.force_login(instructor)
    assert client.get(reverse("categories:index")).status_code in (302, 403)
