"""LTI 1.3 platform keys (JWKS, rotation with old keys kept until their tokens expire) and
tool registrations (what the admin must give, who may edit them)."""

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from learners.interactive.lti import RETENTION, lti_platform_key, lti_platform_key_rotate, lti_sign
from learners.models import LTIPlatformKey, LTITool

pytestmark = pytest.mark.django_db


def _verify(client, token: str) -> dict:
    """Verify a launch token the way a tool does: by the kid, against the published JWKS."""
    keys = {key["kid"]: key for key in client.get("/lti/jwks/").json()["keys"]}
    kid = jwt.get_unverified_header(token)["kid"]
    if kid not in keys:
        raise jwt.InvalidTokenError("unknown kid")
    return jwt.decode(token, jwt.PyJWK(keys[kid]).key, algorithms=["RS256"], audience="tool-1")


def test_the_jwks_publishes_the_signing_key_and_tokens_verify_against_it(client):
    response = client.get("/lti/jwks/")
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=60"
    (published,) = response.json()["keys"]
    assert published["kty"] == "RSA" and published["alg"] == "RS256" and published["use"] == "sig"
    assert "d" not in published and "p" not in published  # the private parts never leave
    token = lti_sign(claims={"iss": "http://testserver", "aud": "tool-1", "sub": "u1"})
    assert _verify(client, token)["sub"] == "u1"
    assert LTIPlatformKey.objects.count() == 1 and lti_platform_key().kid == published["kid"]


def test_rotation_keeps_the_old_key_published_until_its_tokens_expire(client):
    old_token = lti_sign(claims={"aud": "tool-1", "sub": "u1"})
    old = lti_platform_key()
    new = lti_platform_key_rotate()
    assert lti_platform_key() == new and new.kid != old.kid
    # A launch signed just before the rotation still verifies; new launches use the new key.
    assert _verify(client, old_token)["sub"] == "u1"
    new_token = lti_sign(claims={"aud": "tool-1", "sub": "u2"})
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid
    assert {key["kid"] for key in client.get("/lti/jwks/").json()["keys"]} == {old.kid, new.kid}
    # Once every token the old key signed has expired, it is no longer published.
    LTIPlatformKey.objects.filter(pk=old.pk).update(retired_at=timezone.now() - RETENTION - timedelta(seconds=1))
    assert [key["kid"] for key in client.get("/lti/jwks/").json()["keys"]] == [new.kid]
    with pytest.raises(jwt.InvalidTokenError):
        _verify(client, old_token)


def test_the_rotate_command_makes_a_new_signing_key():
    first = lti_platform_key()
    call_command("lti_rotate_key")
    assert lti_platform_key() != first and LTIPlatformKey.objects.filter(retired_at__isnull=True).count() == 1


def _pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _tool(**overrides) -> LTITool:
    fields = {
        "name": "Tutor",
        "client_id": "tutor-1",
        "login_url": "https://tool.example/login",
        "launch_url": "https://tool.example/launch",
    }
    return LTITool(**{**fields, **overrides})


def test_a_registration_needs_the_tools_key_as_rsa_pem_or_a_jwks_url():
    with pytest.raises(ValidationError) as missing:
        _tool().full_clean()
    assert "jwks_url" in missing.value.message_dict
    with pytest.raises(ValidationError) as garbage:
        _tool(public_key_pem="not a key").full_clean()
    assert "public_key_pem" in garbage.value.message_dict
    with pytest.raises(ValidationError):
        _tool(public_key_pem=_pem(ec.generate_private_key(ec.SECP256R1()))).full_clean()
    _tool(public_key_pem=_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))).full_clean()
    _tool(jwks_url="https://tool.example/jwks.json").full_clean()


def test_only_admins_manage_tool_registrations(client, admin_user, instructor):
    url = "/admin/snippets/learners/ltitool/"
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    client.force_login(instructor)
    assert client.get(url).status_code in (302, 403)
