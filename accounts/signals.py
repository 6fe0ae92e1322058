"""allauth glue: a password changed, set or reset on the website revokes every API refresh
token of the account (accounts.tokens.token_revoke_all), as does a change of second factor
(allauth.mfa, when installed). Signing in keeps the Wagtail admin's time zone the user's own
(accounts.services.user_admin_timezone_sync). Connected in AccountsConfig.ready()."""

from allauth.account import signals as account_signals
from django.apps import apps

from .tokens import token_revoke_all


def _revoke(sender, request=None, user=None, **kwargs):
    if user is not None and user.pk:
        token_revoke_all(user=user)


def _sync_admin_timezone(sender, request=None, user=None, **kwargs):
    # Accounts made or changed outside the profile form (demo seed, admin, older accounts) get
    # their admin time zone in step at sign-in.
    if user is not None and user.pk:
        from .services import user_admin_timezone_sync

        user_admin_timezone_sync(user=user)


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(_sync_admin_timezone, dispatch_uid="accounts.sync_admin_timezone")
    for signal in (account_signals.password_changed, account_signals.password_set, account_signals.password_reset):
        signal.connect(_revoke, dispatch_uid=f"accounts.revoke_tokens.{id(signal)}")
    if not apps.is_installed("allauth.mfa"):
        return
    from allauth.mfa import signals as mfa_signals

    for name in ("authenticator_added", "authenticator_removed", "authenticator_reset"):
        signal = getattr(mfa_signals, name, None)
        if signal is not None:
            signal.connect(_revoke, dispatch_uid=f"accounts.revoke_tokens.mfa.{name}")
