"""Private files on S3, against a real S3-compatible server (moto in server mode on
loopback, reached by boto3 over HTTP; nothing of boto3 is mocked): a paid lesson's PDF (a
Wagtail document) lands in the private area with a private ACL, the paying student is
redirected to a signed, short-lived URL that works, the same URL without its signature is
refused by S3, and a user who has not paid gets 403 from the site. Assignment uploads and
message attachments use the same private storage."""

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty
from wagtail.documents.models import Document

from core.storage import reset_private_storage
from learners.enrollment.services import enrollment_create
from tests.factories import make_course

pytestmark = pytest.mark.django_db

BUCKET = "lectern-media"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"paid content " * 50


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_server, **credentials)
    client.create_bucket(Bucket=BUCKET)
    s3 = "storages.backends.s3.S3Storage"
    common = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_server,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "file_overwrite": False,
    }
    # The same shape as config/settings/base.py when AWS_STORAGE_BUCKET_NAME is set.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage.MediaStorage",
            "OPTIONS": {
                "public_backend": s3,
                "public_options": {**common, "location": "public", "querystring_auth": False},
            },
        },
        "private": {
            "BACKEND": s3,
            "OPTIONS": {
                **common,
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
            },
        },
    }
    storages._storages = {}
    default_storage._wrapped = empty
    reset_private_storage()
    yield client
    storages._storages = {}
    default_storage._wrapped = empty
    reset_private_storage()
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _paid_lesson_with_pdf():
    document = Document.objects.create(title="Workbook", file=SimpleUploadedFile("workbook.pdf", PDF))
    block = {"title": "Workbook", "document": document.pk, "show_preview": True, "allow_download": True}
    course = make_course(
        pricing="one_time", price_cents=25000, sections=[("Read", [("Reading", [("document", block)], {})])]
    )
    lesson = course.lessons().specific().get()
    return course, lesson, lesson.body[0].id, document


def test_a_paid_lessons_pdf_is_private_and_reached_only_by_a_signed_url(s3, client, student, other_student):
    course, lesson, block_id, document = _paid_lesson_with_pdf()
    key = f"private/{document.file.name}"
    assert document.file.name.startswith("documents/")
    stored = s3.get_object_acl(Bucket=BUCKET, Key=key)
    assert not [g for g in stored["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="public/")  # nothing public

    enrollment_create(user=student, course=course)  # paid (the sandbox's effect)
    client.force_login(student)
    response = client.get(f"/lessons/{lesson.pk}/files/{block_id}/document/?download=1")
    assert response.status_code == 302
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert key in signed and ("X-Amz-Signature" in query or "Signature" in query)
    assert query.get("X-Amz-Expires", ["60"]) == ["60"]
    assert query["response-content-disposition"] == ['attachment; filename="workbook.pdf"']
    assert _get(signed) == (200, PDF)

    unsigned = signed.split("?", 1)[0]
    status, _body = _get(unsigned)
    assert status == 403  # the bucket refuses the bare URL

    client.force_login(other_student)  # has not paid
    assert client.get(f"/lessons/{lesson.pk}/files/{block_id}/document/").status_code == 403
    assert client.get(document.url).status_code == 403  # nor through Wagtail's document URL
    client.logout()
    assert client.get(f"/lessons/{lesson.pk}/files/{block_id}/document/").status_code in (302, 403)


def test_image_and_other_public_media_stay_public(s3):
    name = default_storage.save("avatars/face.txt", SimpleUploadedFile("face.txt", b"public"))
    url = default_storage.url(name)
    assert "Signature" not in url and "/public/avatars/" in url
    assert s3.get_object(Bucket=BUCKET, Key=f"public/{name}")["Body"].read() == b"public"


def test_locally_documents_live_in_the_private_folder_not_under_media(settings, client, student):
    course, lesson, block_id, document = _paid_lesson_with_pdf()
    assert (settings.PRIVATE_MEDIA_ROOT / document.file.name).exists()
    assert not (settings.MEDIA_ROOT / document.file.name).exists()
    enrollment_create(user=student, course=course)
    client.force_login(student)
    response = client.get(f"/lessons/{lesson.pk}/files/{block_id}/document/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_documents_uploaded_before_move_to_the_private_storage(settings):
    import importlib

    from django.apps import apps

    document = Document.objects.create(title="Old", file=SimpleUploadedFile("old.pdf", PDF))
    name = document.file.name
    private = storages["private"]
    public = default_storage.public
    with private.open(name, "rb") as handle:  # as it was stored before: in the public media folder
        public.save(name, handle)
    private.delete(name)
    move = importlib.import_module("learners.migrations.0004_documents_to_private_storage").move_documents
    move(apps, None)
    move(apps, None)  # again: nothing changes
    assert private.open(name).read() == PDF and not public.exists(name)


def test_a_message_attachment_is_a_private_object_served_by_a_signed_url(s3, client, student, other_student):
    from accounts.models import User
    from messaging.services import conversation_start, message_send
    from tests.factories import make_user

    teacher = make_user(role=User.Role.INSTRUCTOR)
    course = make_course(instructor=teacher, lessons=1)
    enrollment_create(user=student, course=course)
    conversation, _ = conversation_start(student=student, teacher=teacher, course=course)
    message = message_send(
        conversation=conversation, sender=student, files=[SimpleUploadedFile("notes.pdf", PDF)], body=""
    )
    attachment = message.attachments.get()
    assert s3.head_object(Bucket=BUCKET, Key=f"private/{attachment.file.name}")["ContentLength"] == len(PDF)
    client.force_login(teacher)
    signed = client.get(f"/messages/attachment/{attachment.pk}/")["Location"]
    assert _get(signed) == (200, PDF)
    assert _get(signed.split("?", 1)[0])[0] == 403
    client.force_login(other_student)
    assert client.get(f"/messages/attachment/{attachment.pk}/").status_code == 404
