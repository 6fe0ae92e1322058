"""H5P packages: validation against the real Hub packages and crafted bad ones, extraction
to private storage, the Wagtail snippet upload form, and files served behind the access
policy."""

import json

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from coursepages.models import H5PPackage
from learners.interactive.h5p import H5PValidationError, h5p_package_inspect, h5p_package_store
from tests.learners.interactive.interactive_helpers import (
    crafted_zip,
    enrolled,
    fixture_upload,
    h5p_course,
    minimal_package_files,
    stored_package,
)


@pytest.mark.parametrize(
    "name,main",
    [
        ("H5P.TrueFalse.h5p", "H5P.TrueFalse 1.6"),
        ("H5P.MultiChoice.h5p", "H5P.MultiChoice 1.14"),
        ("H5P.QuestionSet.h5p", "H5P.QuestionSet 1.17"),
        ("H5P.SingleChoiceSet.h5p", "H5P.SingleChoiceSet 1.11"),
        ("H5P.InteractiveVideo.h5p", "H5P.InteractiveVideo 1.22"),
        ("H5P.Accordion.h5p", "H5P.Accordion 1.0"),
    ],
)
def test_real_hub_packages_are_accepted(name, main):
    with fixture_upload(name) as upload:
        info = h5p_package_inspect(upload)
    assert info.main_library == main
    assert any(folder.startswith(main.split()[0] + "-") for folder in info.libraries)


@pytest.mark.django_db
def test_storing_extracts_every_file_to_private_storage():
    package = stored_package("H5P.TrueFalse.h5p")
    storage = storages["private"]
    assert package.title == "True/False Question"
    assert package.main_library == "H5P.TrueFalse 1.6"
    assert package.file_count == 161 and package.extracted_size > 2_000_000
    assert storage.exists(f"{package.content_path}/h5p.json")
    assert storage.exists(f"{package.content_path}/H5P.TrueFalse-1.6/library.json")
    assert json.loads(storage.open(f"{package.content_path}/content/content.json").read())["correct"] == "true"


def _refusal(files, **kwargs) -> str:
    with pytest.raises(H5PValidationError) as caught:
        h5p_package_inspect(crafted_zip(files, **kwargs))
    return " ".join(caught.value.messages)


def test_the_minimal_crafted_package_is_valid():
    assert h5p_package_inspect(crafted_zip(minimal_package_files())).main_library == "H5P.Tiny 1.0"


def test_zip_slip_paths_are_refused():
    assert "“..” path" in _refusal(minimal_package_files(**{"content/../../evil.json": "{}"}))
    assert "absolute" in _refusal(minimal_package_files(**{"/etc/cron.d/evil.json": "{}"}))


def test_a_package_without_h5p_json_is_refused():
    assert "no h5p.json" in _refusal(minimal_package_files(**{"h5p.json": None}))


def test_malformed_h5p_json_is_refused():
    assert "not valid JSON" in _refusal(minimal_package_files(**{"h5p.json": "{title: nope"}))
    assert "mainLibrary" in _refusal(minimal_package_files(**{"h5p.json": json.dumps({"title": "x"})}))


def test_a_php_file_is_refused():
    assert ".php files are not allowed" in _refusal(minimal_package_files(**{"content/shell.php": "<?php ?>"}))


def test_scripts_outside_library_folders_are_refused():
    assert "only allowed inside library folders" in _refusal(minimal_package_files(**{"content/x.js": "alert(1)"}))


def test_a_huge_file_is_refused(settings):
    settings.H5P_MAX_FILE_BYTES = 1024 * 1024
    message = _refusal(minimal_package_files(**{"content/big.txt": "x" * (2 * 1024 * 1024)}))
    assert "content/big.txt" in message and "at most" in message


def test_a_package_over_the_upload_limit_is_refused(settings):
    settings.H5P_MAX_PACKAGE_BYTES = 100 * 1024
    with fixture_upload("H5P.TrueFalse.h5p") as upload, pytest.raises(H5PValidationError) as caught:
        h5p_package_inspect(upload)
    assert "the limit is" in caught.value.messages[0]


def test_missing_libraries_are_named_in_the_refusal():
    files = minimal_package_files(
        **{
            "H5P.Tiny-1.0/library.json": json.dumps(
                {
                    "title": "Tiny",
                    "machineName": "H5P.Tiny",
                    "majorVersion": 1,
                    "minorVersion": 0,
                    "preloadedDependencies": [{"machineName": "H5P.JoubelUI", "majorVersion": 1, "minorVersion": 3}],
                }
            )
        }
    )
    assert "missing from the package: H5P.JoubelUI 1.3" in _refusal(files)


def test_a_main_library_that_is_not_shipped_is_refused():
    assert "missing from the package: H5P.Tiny 1.0" in _refusal(
        minimal_package_files(**{"H5P.Tiny-1.0/library.json": None, "H5P.Tiny-1.0/tiny.js": None})
    )


def test_a_file_that_is_not_a_zip_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(H5PValidationError, match="not a zip"):
        h5p_package_inspect(SimpleUploadedFile("x.h5p", b"just text"))


@pytest.mark.django_db
def test_a_refused_package_changes_nothing():
    with pytest.raises(H5PValidationError):
        h5p_package_store(package=H5PPackage(title="Bad"), upload=crafted_zip({"readme.txt": "hi"}))
    assert not H5PPackage.objects.exists()
    assert not storages["private"].exists("h5p/content")


@pytest.mark.django_db
def test_instructor_uploads_a_package_through_the_snippet_admin(client, admin_user):
    client.force_login(admin_user)
    url = reverse("wagtailsnippets_coursepages_h5ppackage:add")
    with fixture_upload("H5P.MultiChoice.h5p") as upload:
        response = client.post(url, {"title": "", "file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    package = H5PPackage.objects.get()
    assert (package.title, package.main_library, package.uploaded_by) == (
        "Multiple Choice",
        "H5P.MultiChoice 1.14",
        admin_user,
    )
    assert storages["private"].exists(f"{package.content_path}/h5p.json")


@pytest.mark.django_db
def test_the_snippet_admin_shows_why_a_package_is_refused(client, admin_user):
    client.force_login(admin_user)
    url = reverse("wagtailsnippets_coursepages_h5ppackage:add")
    response = client.post(
        url, {"title": "Evil", "file": crafted_zip(minimal_package_files(**{"content/shell.php": "<?php ?>"}))}
    )
    assert response.status_code == 200
    assert ".php files are not allowed" in response.content.decode()
    assert not H5PPackage.objects.exists()


@pytest.mark.django_db
def test_paid_course_package_files_are_served_only_to_admitted_users(client, student, other_student):
    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package, pricing="one_time", price_cents=49900)
    enrolled(student, course)
    url = f"/h5p/{lesson.pk}/{block_id}/H5P.TrueFalse-1.6/library.json"

    assert client.get(url).status_code == 403  # anonymous
    client.force_login(other_student)
    assert client.get(url).status_code == 403  # not bought
    client.force_login(student)
    response = client.get(url)
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))["machineName"] == "H5P.TrueFalse"
    assert client.get(f"/h5p/{lesson.pk}/{block_id}/H5P.TrueFalse-1.6/../../h5p.json").status_code == 404
    assert client.get(f"/h5p/{lesson.pk}/{block_id}/nothing.json").status_code == 404
    assert client.get(f"/h5p/{lesson.pk}/not-a-block/h5p.json").status_code == 404


@pytest.mark.django_db
def test_the_lesson_page_configures_the_player(client, student):
    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert f'data-h5p-player="{block_id}"' in html
    assert f'"h5pJsonPath": "/h5p/{lesson.pk}/{block_id}"' in html
    assert "vendor/h5p-standalone/main.bundle.js" in html
    assert '"canRecord": true' in html


@pytest.mark.django_db
def test_the_demo_seed_adds_an_h5p_lesson_once():
    from io import StringIO

    from django.core.management import call_command

    from coursepages.models import LessonPage

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    lesson = LessonPage.objects.live().get(slug="quick-check-true-or-false")
    assert lesson.course().slug == "python-for-beginners"
    block = next(child for child in lesson.body if child.block_type == "h5p")
    assert block.value["package"].main_library == "H5P.TrueFalse 1.6"
    assert H5PPackage.objects.count() == 1
    assert storages["private"].exists(f"{block.value['package'].content_path}/h5p.json")
