"""The student journey bench/cluster.py runs through nginx (requests alternate between the
two app instances): enroll, complete a lesson, upload an assignment, and get the
certificate that the Celery worker issues into S3."""

import time

import requests

# Created by bench/cluster.py before the journey (manage.py shell): a free course of a text
# lesson and an assignment lesson whose completion is "submitted".
SETUP = r"""
import json
from blocks.raw import lesson_body
from coursepages.models import CoursePage
from tests.factories import make_course, make_user
from accounts.models import User
course = CoursePage.objects.filter(title="Cluster course").first()
if course is None:
    assignment = {"title": "Upload your notes", "instructions": "<p>Any text file.</p>",
                  "rubric": [{"title": "Done", "description": "", "points": 1}], "max_score": 1,
                  "allow_text": True, "accepted_file_types": ["txt"], "max_files": 1, "max_file_size_mb": 1,
                  "allow_resubmission": False, "due_days_after_enrollment": None, "completion": "submitted",
                  "pass_mark": 50}
    course = make_course(title="Cluster course", instructor=User.objects.get(email="thandi@lectern.local"),
                         sections=[("Only section", [("Read this", [("rich_text", "<p>Hello.</p>")], {}),
                                                     ("Hand in", [("assignment", assignment)], {})])])
lessons = list(course.lessons())
# A second free course the student enrolls in during the replica steps (bench/cluster_replica.py).
second = CoursePage.objects.filter(title="Replica course").first() or make_course(
    title="Replica course", instructor=User.objects.get(email="thandi@lectern.local"), lessons=2)
print("CLUSTER " + json.dumps({"course_id": course.pk, "text_lesson": lessons[0].pk,
                               "assignment_block": lessons[1].body[0].id,
                               "second_course_id": second.pk, "second_course_url": second.url}))
"""


def _headers(session: requests.Session, base: str) -> dict:
    if "csrftoken" not in session.cookies:
        session.get(f"{base}/dashboard/", timeout=10)
    return {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": f"{base}/"}


def learn_and_get_certificate(session: requests.Session, base: str, facts: dict):
    headers = _headers(session, base)
    enroll = session.post(f"{base}/api/v1/courses/{facts['course_id']}/enroll/", headers=headers, timeout=10)
    assert enroll.status_code in (200, 201, 409), enroll.text
    done = session.post(f"{base}/api/v1/lessons/{facts['text_lesson']}/complete/", headers=headers, timeout=10)
    assert done.status_code == 200, done.text
    upload = session.post(
        f"{base}/api/v1/assignments/{facts['assignment_block']}/submit/",
        headers=headers,
        data={"text": "my notes"},
        files={"files": ("notes.txt", b"notes from the cluster\n")},
        timeout=20,
    )
    assert upload.status_code == 201, upload.text
    print("[cluster] enrolled, completed a lesson and uploaded an assignment through nginx")
    deadline = time.monotonic() + 90
    certificates = []
    while time.monotonic() < deadline:
        certificates = session.get(f"{base}/api/v1/certificates/", timeout=10).json()["results"]
        if certificates and certificates[0]["pdf_url"]:
            break
        time.sleep(1)
    assert certificates, "the Celery worker did not issue a certificate within 90 s"
    pdf = session.get(certificates[0]["pdf_url"], timeout=20)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), (pdf.status_code, pdf.url)
    assert "127.0.0.1:8305" in pdf.url, f"the PDF should come from S3 by a signed URL, came from {pdf.url}"
    verify = requests.get(f"{base}/api/v1/certificates/verify/{certificates[0]['code']}/", timeout=10).json()
    assert verify["valid"], verify
    print(f"[cluster] certificate {certificates[0]['code']} issued by the worker, PDF served from S3, verified")


STEPS = [learn_and_get_certificate]
