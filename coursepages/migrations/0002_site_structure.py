"""Create the site tree (Home → Courses), the Instructors and Moderators groups with their
page permissions, and the "Course review" workflow on the catalog."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

INSTRUCTOR_PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("wagtailimages", "image", "add_image"),
    ("wagtailimages", "image", "choose_image"),
    ("wagtaildocs", "document", "add_document"),
    ("wagtaildocs", "document", "choose_document"),
    ("coursepages", "h5ppackage", "add_h5ppackage"),
    ("coursepages", "h5ppackage", "view_h5ppackage"),
]
MODERATOR_PERMISSIONS = INSTRUCTOR_PERMISSIONS + [
    ("coursepages", "category", "add_category"),
    ("coursepages", "category", "change_category"),
    ("coursepages", "category", "delete_category"),
    ("coursepages", "h5ppackage", "change_h5ppackage"),
    ("coursepages", "h5ppackage", "delete_h5ppackage"),
    ("coursepages", "platformsettings", "change_platformsettings"),
    ("certificates", "certificatetemplate", "add_certificatetemplate"),
    ("certificates", "certificatetemplate", "change_certificatetemplate"),
]


def _permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
    )
    return permission


def create_structure(apps, schema_editor):
    # Permissions are normally created after all migrations; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    HomePage = apps.get_model("coursepages", "HomePage")
    CourseIndexPage = apps.get_model("coursepages", "CourseIndexPage")

    locale = Locale.objects.order_by("pk").first()
    page_ct = ContentType.objects.get(app_label="wagtailcore", model="page")
    Page.objects.filter(content_type=page_ct, depth=2).delete()
    root = Page.objects.get(depth=1)

    home_ct, _ = ContentType.objects.get_or_create(app_label="coursepages", model="homepage")
    home = HomePage.objects.create(
        title="Learn from people who teach for a living",
        draft_title="Learn from people who teach for a living",
        slug="home",
        content_type=home_ct,
        path=f"{root.path}0001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        live=True,
        intro="Short, practical courses from instructors at our academy.",
    )
    index_ct, _ = ContentType.objects.get_or_create(app_label="coursepages", model="courseindexpage")
    catalog = CourseIndexPage.objects.create(
        title="Courses",
        draft_title="Courses",
        slug="courses",
        content_type=index_ct,
        path=f"{home.path}0001",
        depth=3,
        numchild=0,
        url_path="/home/courses/",
        locale=locale,
        live=True,
    )
    root.numchild = 1
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page_id=home.pk, is_default_site=True, site_name="Lectern")

    instructors, _ = Group.objects.get_or_create(name="Instructors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    for group, permissions in ((instructors, INSTRUCTOR_PERMISSIONS), (moderators, MODERATOR_PERMISSIONS)):
        group.permissions.add(*[_permission(apps, *spec) for spec in permissions])

    # Instructors: "add" on the catalog lets them create courses and edit pages they own;
    # without "publish" every change goes through the review workflow.
    for codename in ("add_page",):
        GroupPagePermission.objects.get_or_create(
            group=instructors, page_id=catalog.pk, permission=_permission(apps, "wagtailcore", "page", codename)
        )
    for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"):
        GroupPagePermission.objects.get_or_create(
            group=moderators, page_id=home.pk, permission=_permission(apps, "wagtailcore", "page", codename)
        )

    task_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.create(name="Moderator review", content_type=task_ct, active=True)
    task.groups.set([moderators])
    workflow = Workflow.objects.create(name="Course review", active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.filter(page_id=root.pk).delete()
    WorkflowPage.objects.create(workflow=workflow, page_id=catalog.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("coursepages", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0001_initial"),
        ("wagtaildocs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_structure, migrations.RunPython.noop)]
