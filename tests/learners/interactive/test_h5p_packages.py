"""H5P packages: validation against the real Hub packages and crafted bad ones, extraction
to private storage, the Wagtail snippet upload form, and files served behind the access
policy."""

import json
import re

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from coursepages.models import H5PPackage
from learners.interactive.h5p import H5PValidationError, h5p_package_inspect, h5p_package_store, h5p_player_token
from tests.learners.interactive.interactive_helpers import (
    crafted_zip,
    enrolled,
    fixture_upload,
    h5p_course,
    libraries_installed,
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


def _player_url(client, lesson) -> str:
    html = client.get(lesson.url).content.decode()
    match = re.search(r'src="(/h5p/play/[^"/]+/)"', html)
    assert match, html[:3000]
    return match.group(1)


@pytest.mark.django_db
def test_paid_course_package_files_are_served_only_to_admitted_users(client, student, other_student):
    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package, pricing="one_time", price_cents=49900)
    enrolled(student, course)
    client.force_login(other_student)
    other_token = h5p_player_token(user=other_student, lesson_id=lesson.pk, block_id=block_id)
    assert client.get(reverse("learners:h5p-player", args=[other_token])).status_code == 403  # not bought
    anonymous_token = h5p_player_token(user=None, lesson_id=lesson.pk, block_id=block_id)
    assert client.get(reverse("learners:h5p-file", args=[anonymous_token, "h5p.json"])).status_code == 403
    client.force_login(student)
    player = _player_url(client, lesson)
    client.logout()  # the sandboxed player sends no cookies: the token is the credential
    response = client.get(player + "files/H5P.TrueFalse-1.6/library.json")
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))["machineName"] == "H5P.TrueFalse"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get(player + "files/H5P.TrueFalse-1.6/../../h5p.json").status_code == 404
    assert client.get(player + "files/nothing.json").status_code == 404
    assert client.get("/h5p/play/forged-token/files/h5p.json").status_code == 404
    assert client.get(f"/h5p/{lesson.pk}/{block_id}/h5p.json").status_code == 404  # the old inline route is gone


@pytest.mark.django_db
def test_the_lesson_page_plays_the_package_in_a_sandboxed_iframe(client, student):
    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert f'data-h5p-player="{block_id}"' in html
    assert 'sandbox="allow-scripts"' in html and "allow-same-origin" not in html
    assert "vendor/h5p-standalone/main.bundle.js" not in html  # the package never runs in the lesson page
    assert '"canRecord": true' in html


@pytest.mark.django_db
def test_the_player_page_has_its_own_sandboxed_policy_and_no_inline_script(client, student):
    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    player = _player_url(client, lesson)
    response = client.get(player)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "sandbox allow-scripts" in policy and "default-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors http://testserver" in policy
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # every script is a file
    assert f'data-h5p-json-path="{player}files"' in html


@pytest.mark.django_db
def test_package_files_that_are_not_played_are_sandboxed_downloads(client, student):
    files = minimal_package_files(
        **{
            "content/images/evil.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "content/page.xml": "<x/>",
            "content/notes.txt": "<script>alert(1)</script>",
            "content/evil.js": None,
            "README.md": "read me",
            "placeholder.txt": "x",
        }
    )
    # Even library code an admin approved plays only sandboxed (the isolation does not rely on approval).
    package = libraries_installed(h5p_package_store(package=H5PPackage(title="Hostile"), upload=crafted_zip(files)))
    assert package.metadata["ignored"] == ["README.md", "placeholder.txt"]  # extra root files: ignored
    assert not storages["private"].exists(f"{package.content_path}/README.md")
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    player = _player_url(client, lesson)
    for path in ("content/images/evil.svg", "content/page.xml", "content/notes.txt"):
        response = client.get(player + "files/" + path)
        assert response.status_code == 200, path
        assert response["Content-Disposition"].startswith("attachment"), path
        assert response["Content-Type"] == "application/octet-stream", path
        assert response["Content-Security-Policy"].startswith("sandbox"), path
        assert response["X-Content-Type-Options"] == "nosniff"
    script = client.get(player + "files/H5P.Tiny-1.0/tiny.js")
    assert script["Content-Disposition"].startswith("inline") and script["Content-Type"] == "text/javascript"
    assert script["Content-Security-Policy"].startswith("sandbox")
    assert client.get(player + "files/README.md").status_code == 404


def test_extra_root_files_are_ignored_but_root_executables_and_scripts_still_refused():
    assert h5p_package_inspect(crafted_zip(minimal_package_files(**{"readme.txt": "hi"}))).ignored == ["readme.txt"]
    assert ".exe files are not allowed" in _refusal(minimal_package_files(**{"run.exe": "MZ"}))
    assert "only allowed inside library folders" in _refusal(minimal_package_files(**{"evil.js": "x"}))


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
    # The demo's admin installed the package's ten library folders (python-lists-true-false.h5p): it plays.
    libraries = block.value["package"].libraries.all()
    assert len(libraries) == 10 and {library.status for library in libraries} == {"approved"}
    assert all(library.approved_by.email == "admin@lectern.local" for library in libraries)


@pytest.mark.django_db
def test_the_demo_admin_installs_the_libraries_of_the_packages_in_demo_h5p_packages(monkeypatch, tmp_path, instructor):
    import shutil
    from io import StringIO

    from django.core.management import call_command

    from learners.interactive.h5p_libraries import h5p_package_playable
    from tests.learners.interactive.interactive_helpers import H5P_FIXTURES

    for name in ("H5P.MultiChoice.h5p", "H5P.SingleChoiceSet.h5p"):
        shutil.copy(H5P_FIXTURES / name, tmp_path / name)
    monkeypatch.setenv("DEMO_H5P_PACKAGES", str(tmp_path))
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # once: found again by title
    examples = H5PPackage.objects.filter(title__startswith="H5P example: ").order_by("title")
    assert [package.title for package in examples] == [
        "H5P example: H5P.MultiChoice",
        "H5P example: H5P.SingleChoiceSet",
    ]
    for package in examples:
        assert package.libraries.exists()
        assert {library.status for library in package.libraries.all()} == {"approved"}
        assert {library.approved_by.email for library in package.libraries.all()} == {"admin@lectern.local"}
    # An instructor's upload of the same package brings no new code: it plays without waiting for an admin.
    with fixture_upload("H5P.MultiChoice.h5p") as upload:
        uploaded = h5p_package_store(package=H5PPackage(title="Mine"), upload=upload, user=instructor)
    assert h5p_package_playable(uploaded)
    # Without the folder the demo installs only its own package's libraries.
    with fixture_upload("H5P.QuestionSet.h5p") as upload:
        other = h5p_package_store(package=H5PPackage(title="Not installed"), upload=upload, user=instructor)
    assert not h5p_package_playable(other)


@pytest.mark.django_db
def test_a_demo_h5p_packages_folder_without_packages_says_so(monkeypatch, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("DEMO_H5P_PACKAGES", str(tmp_path))
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"DEMO_H5P_PACKAGES={tmp_path}: no .h5p files there" in out.getvalue()
    assert not H5PPackage.objects.filter(title__startswith="H5P example: ").exists()


@pytest.mark.django_db
def test_reloading_a_finished_activity_shows_the_recorded_score(client, student):
    from learners.models import H5PResult

    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    H5PResult.objects.create(
        user=student, lesson=lesson, block_id=block_id, score_raw=1, score_max=1, completion=True, attempts=1
    )
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert "Your recorded score: 1 of 1." in html
