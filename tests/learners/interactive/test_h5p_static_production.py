"""H5P's own styles and fonts under production static serving: collectstatic with
production's static storage (core.static_storage: the compressed manifest storage, hashed
names, CSS url()s rewritten), served by WhiteNoise with DEBUG off. The player runs in a
sandboxed iframe, an opaque origin, so its fonts are cross-origin CORS loads (`Origin: null`): each must answer with
`Access-Control-Allow-Origin: *`, as must the fonts inside a package's library folders."""

import posixpath
import re

import pytest
from django.core.management import call_command
from django.templatetags.static import static

from tests.learners.interactive.interactive_helpers import enrolled, h5p_course, stored_package

pytestmark = pytest.mark.django_db

FONT_URL = re.compile(r"url\(['\"]?([^'\")]+\.(?:woff2?|ttf|otf|eot))(?:[?#][^'\")]*)?['\"]?\)")


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.static_storage.CachedURLManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_h5p_styles_and_fonts_load_from_an_opaque_origin_under_whitenoise(client, production_static):
    fonts = set()
    for sheet in ("vendor/h5p-standalone/styles/h5p.css", "vendor/h5p-standalone/styles/h5p-fonts.css"):
        url = static(sheet)
        assert re.search(r"\.[0-9a-f]{12}\.css$", url), url  # the manifest's hashed name
        response = client.get(url, HTTP_ORIGIN="null")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
        assert response["Access-Control-Allow-Origin"] == "*"
        css = _body(response).decode()
        found = {posixpath.normpath(posixpath.join(posixpath.dirname(url), ref)) for ref in FONT_URL.findall(css)}
        assert found and all(re.search(r"\.[0-9a-f]{12}\.woff2?$", font) for font in found), found
        fonts |= found
    assert any("h5p-core-30" in font for font in fonts)
    for font in sorted(fonts):
        response = client.get(font, HTTP_ORIGIN="null")
        assert response.status_code == 200, font
        assert response["Access-Control-Allow-Origin"] == "*", font
        assert response["Content-Type"] in ("font/woff2", "font/woff"), (font, response["Content-Type"])
        assert len(_body(response)) > 1000


def test_the_player_allows_those_fonts_and_package_fonts_are_served_to_it(client, student, production_static):
    package = stored_package("H5P.TrueFalse.h5p")  # FontAwesome 4.5 is one of its libraries
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    player = re.search(r'src="(/h5p/play/[^"/]+/)"', client.get(lesson.url).content.decode()).group(1)
    page = client.get(player)
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert "http://testserver/static/" in policy["font-src"] and "http://testserver" + player in policy["font-src"]
    assert static("vendor/h5p-standalone/styles/h5p.css") in page.content.decode()
    response = client.get(player + "files/FontAwesome-4.5/fontawesome-webfont.woff2", HTTP_ORIGIN="null")
    assert response.status_code == 200
    assert (response["Access-Control-Allow-Origin"], response["Content-Type"]) == ("*", "font/woff2")
    css = client.get(player + "files/FontAwesome-4.5/h5p-font-awesome.min.css", HTTP_ORIGIN="null")
    assert (css.status_code, css["Content-Type"], css["Access-Control-Allow-Origin"]) == (200, "text/css", "*")
