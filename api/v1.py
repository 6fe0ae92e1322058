"""The versioned JSON API (docs/api.md): /api/v1/, OpenAPI at /api/v1/openapi.json,
docs at /api/v1/docs. Each area's endpoints are a Router in api/<area>.py, mounted here."""

from . import errors
from .base import LecternAPI

api = LecternAPI(title="Lectern API", version="1", urls_namespace="api-v1", description=__doc__)
errors.install(api)

from . import (  # noqa: E402
    accounts,
    admin,
    assessments,
    certificates,
    discussions,
    earnings,
    instructor,
    interactive,
    learning,
    live,
    messaging,
    payments,
)

api.add_router("/", accounts.router)
api.add_router("/", learning.router)
api.add_router("/certificates/", certificates.router)
api.add_router("/instructor/", earnings.router)
api.add_router("/admin/", earnings.admin_router)
api.add_router("/instructor/", instructor.router)
api.add_router("/admin/", admin.router)
api.add_router("/live/", live.router)
api.add_router("/", messaging.router)
api.add_router("/", discussions.router)
api.add_router("/", assessments.router)
api.add_router("/", interactive.router)
api.add_router("/", payments.router)
