"""Demo accounts with known passwords (printed by `make run`)."""

from allauth.account.models import EmailAddress

from core.site_url import absolute_url

from .models import User
from .services import user_set_role

DEMO_USERS = [
    # email, password, first, last, role, superuser
    ("admin@lectern.local", "lectern-admin", "Ayanda", "Admin", User.Role.ADMIN, True),
    ("thandi@lectern.local", "lectern-instructor", "Thandi", "Nkosi", User.Role.INSTRUCTOR, False),
    ("pieter@lectern.local", "lectern-instructor", "Pieter", "van Wyk", User.Role.INSTRUCTOR, False),
    ("sipho@lectern.local", "lectern-student", "Sipho", "Dlamini", User.Role.STUDENT, False),
    ("lerato@lectern.local", "lectern-student", "Lerato", "Mokoena", User.Role.STUDENT, False),
]


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


def seed(*, stdout):
    for email, password, first, last, role, superuser in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=password,
                first_name=first,
                last_name=last,
                is_superuser=superuser,
                is_staff=superuser,
            )
            stdout.write(f"created {role} {email}")
        if user.role != role or (role != User.Role.STUDENT and not user.groups.exists()):
            user_set_role(user=user, role=role)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})


def print_logins(*, stdout):
    stdout.write(f"\nDemo logins ({absolute_url('/accounts/login/')}):")
    for email, password, _first, _last, role, _superuser in DEMO_USERS:
        stdout.write(f"  {role:<10} {email:<24} {password}")
    stdout.write("")


summary = print_logins  # seed_demo prints it after every app's demo data is in
