"""The student dashboard (/dashboard/): learners' own part (courses in progress and completed)
and the panels of the apps above — certificates, upcoming live classes, recent orders — each
registered in its app's AppConfig.ready(), so learners never imports them (README "Layers")."""

from core.providers import Contributions
from learners.enrollment.selectors import dashboard_for

# panel(*, user) -> dict of template context, e.g. {"certificates": ...}.
panels = Contributions("the student dashboard's panels")


def dashboard_context(*, user) -> dict:
    context = dashboard_for(user=user)
    for panel in panels:
        context.update(panel(user=user))
    return context
