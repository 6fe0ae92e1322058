"""Certificate templates: only known placeholders, one site default, edited as a snippet."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from certificates.models import CertificateTemplate, validate_body_placeholders

pytestmark = pytest.mark.django_db


def test_known_placeholders_are_accepted():
    validate_body_placeholders("{student_name} {course_title} {completion_date} {hours} {code} {{literal}}")


@pytest.mark.parametrize(
    "body, message",
    [
        ("Well done {student}", "Unknown placeholder: {student}"),
        ("{student_name.__class__}", "Unknown placeholder"),
        ("{hours:>10}", "Unknown placeholder: {hours}"),
        ("Unclosed {student_name", "Unbalanced braces"),
    ],
)
def test_unknown_or_malformed_placeholders_are_refused(body, message):
    with pytest.raises(ValidationError) as error:
        validate_body_placeholders(body)
    assert message in str(error.value)


def test_only_one_template_can_be_the_default():
    CertificateTemplate.objects.create(name="First", is_default=True)
    second = CertificateTemplate(name="Second", is_default=True)
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "already the site default" in str(error.value)
    with pytest.raises(IntegrityError):
        second.save()


def test_course_template_falls_back_to_the_site_default(instructor):
    from tests.factories import make_course

    default = CertificateTemplate.objects.create(name="Site", is_default=True)
    own = CertificateTemplate.objects.create(name="Own")
    assert CertificateTemplate.for_course(make_course(instructor=instructor)) == default
    assert CertificateTemplate.for_course(make_course(instructor=instructor, certificate_template=own)) == own


def test_snippet_editor_shows_the_placeholder_error_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    url = reverse("wagtailsnippets_certificates_certificatetemplate:add")
    form = {
        "name": "Bad",
        "primary_colour": "#123456",
        "accent_colour": "#654321",
        "heading": "Certificate",
        "body": "Congratulations {student}!",
        "signer_name": "",
        "signer_title": "",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "Unknown placeholder: {student}" in response.content.decode()
    assert not CertificateTemplate.objects.filter(name="Bad").exists()
    form["body"] = "Congratulations {student_name}!"
    response = client.post(url, form)
    assert response.status_code == 302
    assert CertificateTemplate.objects.get(name="Bad").body == "Congratulations {student_name}!"
