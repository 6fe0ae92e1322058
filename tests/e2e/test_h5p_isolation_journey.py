"""With production security headers: every fixture H5P package plays in its sandboxed
iframe, and an admin who opens every file of a hostile package (and its player page) runs no
script with the site's cookies: the instructor's payload cannot promote them through the API."""

import json
import re

import pytest

from accounts.models import User
from coursepages.models import H5PPackage, LessonPage
from learners.interactive.h5p import h5p_package_store
from tests.e2e.conftest import sign_in
from tests.factories import make_user
from tests.learners.interactive.interactive_helpers import (
    crafted_zip,
    enrolled,
    ensure_site_tree,
    h5p_course,
    libraries_installed,
    minimal_package_files,
    stored_package,
)

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURE_PACKAGES = [
    "H5P.TrueFalse.h5p",
    "H5P.MultiChoice.h5p",
    "H5P.QuestionSet.h5p",
    "H5P.SingleChoiceSet.h5p",
    "H5P.InteractiveVideo.h5p",
    "H5P.Accordion.h5p",
]


def test_every_fixture_package_plays_in_its_sandbox(page):
    ensure_site_tree()
    student = make_user()
    lessons = []
    for name in FIXTURE_PACKAGES:
        course, lesson, block_id = h5p_course(stored_package(name))
        enrolled(student, course)
        lessons.append((name, lesson, block_id))
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, student.email)
    for name, lesson, block_id in lessons:
        page.goto(LessonPage.objects.get(pk=lesson.pk).url)
        frame = page.locator(f"#h5p-{block_id}")
        assert frame.get_attribute("sandbox") == "allow-scripts"
        page.locator(f'#h5p-{block_id}[data-ready="true"]').wait_for()
        page.frame_locator(f"#h5p-{block_id}").locator(".h5p-content").first.wait_for()
        status = page.locator(f'[data-h5p-status="{block_id}"]').inner_text()
        assert "could not be loaded" not in status, name
    # No script of the player or a package was refused by the CSP, and H5P found its integration.
    assert not [e for e in errors if "Refused to execute" in e or "H5PIntegration" in e], errors


def _payload(instructor_id: int) -> str:
    """Reads the CSRF cookie and promotes the instructor through the API, as the reported
    attack did; reports that it ran and that it finished through image requests."""
    return (
        "(function(){var img=function(u){new Image().src=u;};img('/__ran__');"
        "var m=(function(){try{return document.cookie}catch(e){return ''}})().match(/csrftoken=([^;]+)/);"
        f"fetch('/api/v1/admin/users/{instructor_id}/',{{method:'PATCH',credentials:'include',"
        "headers:{'Content-Type':'application/json','X-CSRFToken':m?m[1]:''},body:JSON.stringify({role:'admin'})})"
        ".then(function(){img('/__done__?ok')},function(){img('/__done__?blocked')});})();"
    )


def test_an_admin_opening_every_file_of_a_hostile_package_runs_no_script_with_the_sites_cookies(page):
    ensure_site_tree()
    admin = make_user(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    instructor = make_user(role=User.Role.INSTRUCTOR)
    payload = _payload(instructor.pk)
    files = minimal_package_files(
        **{
            "H5P.Tiny-1.0/tiny.js": "var H5P = H5P || {};" + payload,
            "content/images/evil.svg": (f'<svg xmlns="http://www.w3.org/2000/svg"><script>{payload}</script></svg>'),
            "content/page.xml": (
                f'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>{payload}</script></body></html>'
            ),
            "content/notes.txt": f"<script>{payload}</script>",
            "content/data.json": json.dumps({"x": f"<script>{payload}</script>"}),
            "README.md": f"<script>{payload}</script>",
        }
    )
    package = h5p_package_store(package=H5PPackage(title="Hostile"), upload=crafted_zip(files), user=instructor)
    # Approved library code (an admin fooled into it) still runs only in the sandbox.
    libraries_installed(package)
    course, lesson, block_id = h5p_course(package)

    seen = []
    page.on("request", lambda request: seen.append(request.url))
    sign_in(page, admin.email)
    page.goto(LessonPage.objects.get(pk=lesson.pk).url)
    player = page.locator(f"#h5p-{block_id}").get_attribute("src")
    assert re.match(r"^/h5p/play/[^/]+/$", player)

    # The player page itself, in the lesson and opened on its own: the package's script runs,
    # but sandboxed, with an opaque origin and no cookies.
    with page.expect_request("**/__done__*"):
        page.goto(player)
    for path in ("content/images/evil.svg", "content/page.xml", "content/notes.txt", "H5P.Tiny-1.0/tiny.js"):
        url = player + "files/" + path
        if path.endswith(".js"):
            response = page.goto(url)  # shown as text, never run
            assert response.headers["content-security-policy"].startswith("sandbox")
        else:
            with page.expect_download():
                try:
                    page.goto(url)
                except Exception as error:  # Chromium reports a download as an aborted navigation
                    assert "Download is starting" in str(error) or "net::ERR_ABORTED" in str(error)
    page.goto(player + "files/content/data.json")
    assert page.goto(player + "files/README.md").status == 404  # extra root files are never served

    assert any("/__done__" in url for url in seen)
    assert not any("/__done__?ok" in url for url in seen), "a payload reached the API"
    instructor.refresh_from_db()
    assert instructor.role == User.Role.INSTRUCTOR
