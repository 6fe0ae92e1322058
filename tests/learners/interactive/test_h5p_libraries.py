"""Trusted H5P libraries: a package plays only when every library folder it brings matches
library code an admin approved (name, version, checksum). New or changed code is held pending,
with its uploader, on the admin's H5P libraries screen; the block shows why it does not play,
its files are not served, and its lesson cannot be published until an admin approves."""

import io
import zipfile

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import streamfield

from coursepages.models import H5PLibrary, H5PPackage
from learners.interactive.h5p import h5p_package_store, h5p_player_token
from learners.interactive.h5p_libraries import h5p_package_playable
from tests.coursepages.editor import post_edit
from tests.learners.interactive.interactive_helpers import (
    H5P_FIXTURES,
    crafted_zip,
    enrolled,
    fixture_upload,
    h5p_course,
    libraries_installed,
)

pytestmark = pytest.mark.django_db


def _upload(user, name="H5P.TrueFalse.h5p", upload=None) -> H5PPackage:
    upload = upload or fixture_upload(name)
    return h5p_package_store(package=H5PPackage(title=""), upload=upload, user=user)


def _changed_true_false():
    """The TrueFalse fixture with one line added to the TrueFalse library's script."""
    files = {}
    with zipfile.ZipFile(H5P_FIXTURES / "H5P.TrueFalse.h5p") as archive:
        for info in archive.infolist():
            if not info.is_dir():
                files[info.filename] = archive.read(info)
    script = next(path for path in files if path.startswith("H5P.TrueFalse-1.6/") and path.endswith(".js"))
    files[script] += b"\n;fetch('/api/v1/me/');\n"
    return crafted_zip(files, name="H5P.TrueFalse.h5p")


def _player(client, user, lesson, block_id):
    return client.get(f"/h5p/play/{h5p_player_token(user=user, lesson_id=lesson.pk, block_id=block_id)}/")


def test_an_instructors_package_is_held_until_an_admin_approves_then_matching_uploads_play(
    instructor, other_instructor
):
    first = _upload(instructor)
    libraries = list(first.libraries.all())
    assert len(libraries) == 11 and all(library.status == "pending" for library in libraries)
    true_false = first.libraries.get(machine_name="H5P.TrueFalse")
    assert (true_false.version, true_false.uploaded_by, true_false.first_package) == ("1.6.6", instructor, first)
    assert len(true_false.checksum) == 64 and not h5p_package_playable(first)

    libraries_installed(first)
    first = H5PPackage.objects.get(pk=first.pk)
    assert h5p_package_playable(first)
    second = _upload(other_instructor)  # the same library code: matched, plays at once
    assert h5p_package_playable(second)
    assert set(second.libraries.all()) == set(libraries) and H5PLibrary.objects.count() == 11


def test_changed_library_code_with_the_same_version_is_pending(client, instructor, student):
    libraries_installed(_upload(instructor))
    changed = _upload(instructor, upload=_changed_true_false())
    pending = [library for library in changed.libraries.all() if library.status == "pending"]
    assert [(library.machine_name, library.version) for library in pending] == [("H5P.TrueFalse", "1.6.6")]
    assert H5PLibrary.objects.filter(machine_name="H5P.TrueFalse").count() == 2  # both versions of the code

    course, lesson, block_id = h5p_course(changed)
    enrolled(student, course)
    client.force_login(student)
    page = client.get(lesson.url).content.decode()
    assert "waiting for an administrator to approve the H5P library code it brings (H5P.TrueFalse 1.6.6)" in page
    assert "<iframe" not in page
    token = h5p_player_token(user=student, lesson_id=lesson.pk, block_id=block_id)
    assert client.get(f"/h5p/play/{token}/").status_code == 403
    assert client.get(f"/h5p/play/{token}/files/H5P.TrueFalse-1.6/library.json").status_code == 403


def test_an_admin_approves_in_the_libraries_screen_and_the_block_plays(client, instructor, student, admin_user):
    package = _upload(instructor)
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(admin_user)
    listing = client.get(reverse("wagtailsnippets_coursepages_h5plibrary:list")).content.decode()
    assert "H5P.TrueFalse" in listing and "Pending approval" in listing and instructor.email in listing
    assert reverse("wagtailsnippets_coursepages_h5plibrary:add") not in listing  # code comes only from packages

    for library in package.libraries.all():
        url = reverse("wagtailsnippets_coursepages_h5plibrary:edit", args=[library.pk])
        assert "uploaded by " + instructor.email in client.get(url).content.decode()
        assert client.post(url, {"status": "approved"}).status_code == 302
    approved = H5PLibrary.objects.get(machine_name="H5P.TrueFalse")
    assert (approved.status, approved.approved_by) == ("approved", admin_user)

    client.force_login(student)
    assert _player(client, student, lesson, block_id).status_code == 200
    assert "<iframe" in client.get(lesson.url).content.decode()


def test_instructors_cannot_approve_library_code(client, instructor):
    library = _upload(instructor).libraries.first()
    client.force_login(instructor)
    url = reverse("wagtailsnippets_coursepages_h5plibrary:edit", args=[library.pk])
    assert client.post(url, {"status": "approved"}).status_code in (302, 403)
    library.refresh_from_db()
    assert library.status == "pending"


def test_a_lesson_with_pending_library_code_cannot_be_published(client, instructor, admin_user):
    package = _upload(instructor)
    course, lesson, block_id = h5p_course(package)
    client.force_login(admin_user)
    body = streamfield([("h5p", {"title": "Try it", "package": str(package.pk), "completion": "completed"})])
    response = post_edit(client, lesson, {"title": "Renamed", "body": body}, action="action-publish")
    assert response.status_code == 200
    assert "brings H5P library code an administrator has not approved yet" in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.title != "Renamed"
    libraries_installed(package)
    assert post_edit(client, lesson, {"title": "Renamed", "body": body}, action="action-publish").status_code == 302
    lesson.refresh_from_db()
    assert lesson.title == "Renamed"


def test_an_admins_own_upload_installs_its_libraries(admin_user):
    package = _upload(admin_user)
    assert {library.status for library in package.libraries.all()} == {"approved"}
    assert h5p_package_playable(package)


def test_the_checksum_covers_every_file_of_the_folder(instructor):
    libraries_installed(_upload(instructor))
    files = {}
    with zipfile.ZipFile(H5P_FIXTURES / "H5P.TrueFalse.h5p") as archive:
        for info in archive.infolist():
            if not info.is_dir():
                files[info.filename] = archive.read(info)
    files["H5P.JoubelUI-1.3/extra.css"] = b"body{}"  # an added file
    package = _upload(instructor, upload=crafted_zip(files))
    assert [str(library) for library in package.untrusted_libraries()] == ["H5P.JoubelUI 1.3.10"]


def test_packages_stored_before_libraries_were_checked_are_registered_by_a_command(admin_user, instructor):
    from django.core.management import call_command

    package = _upload(instructor)
    package.libraries.clear()  # as a package stored before this check
    assert [str(library) for library in package.untrusted_libraries()] == ["(libraries not checked) 0.0.0"]
    call_command("h5p_libraries_register", stdout=io.StringIO())
    assert package.libraries.count() == 11 and not h5p_package_playable(package)
    package.libraries.clear()
    out = io.StringIO()
    call_command("h5p_libraries_register", approve_as=admin_user.email, stdout=out)
    assert "11 libraries, 0 pending approval" in out.getvalue() and h5p_package_playable(package)
