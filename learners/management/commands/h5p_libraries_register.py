"""Register the H5P library folders of packages stored before libraries were checked: their
code is held pending until an admin approves it (or approved at once with --approve-as)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coursepages.models import H5PPackage
from learners.interactive.h5p_libraries import h5p_library_approve, h5p_package_libraries_register


class Command(BaseCommand):
    help = (
        "Register the library code of H5P packages that have none registered (pending, or approved with --approve-as)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--approve-as", metavar="EMAIL", help="An administrator who installs (approves) that code.")

    def handle(self, *args, **options):
        admin = None
        if options["approve_as"]:
            admin = get_user_model().objects.filter(email=options["approve_as"], is_superuser=True).first()
            if admin is None:
                raise CommandError(f"{options['approve_as']} is not an administrator.")
        packages = H5PPackage.objects.exclude(content_path="").filter(libraries__isnull=True)
        for package in packages:
            pending = h5p_package_libraries_register(package=package, user=package.uploaded_by)
            if admin is not None:
                for library in pending:
                    h5p_library_approve(library=library, user=admin)
                pending = []
            self.stdout.write(
                f"{package.title}: {package.libraries.count()} libraries, {len(pending)} pending approval"
            )
