import pytest

from certificates.models import Certificate
from tests.certificates.helpers import complete_course


@pytest.fixture
def certificate(student, django_capture_on_commit_callbacks):
    """The certificate `student` earns by completing the course "Soil Science" (issued on commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(student=student, title="Soil Science")
    return Certificate.objects.get()
