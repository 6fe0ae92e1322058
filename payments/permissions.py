"""Who may refund, decide payouts, have earnings and open an order. Built on the staff
policy (`accounts.permissions`); the money permissions themselves are Django permissions held
by the Moderators group (payments.refund_payment, payments.change_payoutrequest)."""

from accounts.permissions import is_superuser, is_teaching_staff, moderator_users


def user_may_refund(user) -> bool:
    """Superusers and holders of payments.refund_payment."""
    return is_superuser(user) or bool(
        user.is_authenticated and user.is_active and user.has_perm("payments.refund_payment")
    )


def user_may_decide_payouts(*, user) -> bool:
    """Admins and moderators (the Moderators group holds payments.change_payoutrequest)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("payments.change_payoutrequest"))


def payout_deciders():
    """Whom to tell about a new payout request: the active moderators and admins."""
    return moderator_users()


def user_has_earnings(user) -> bool:
    """Instructors (and admins, who may also teach) have an earnings page, and so does anyone
    listed as a course's instructor; students do not."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_teaching_staff(user) or user.taught_courses.exists()


def user_may_open_order(*, user, order) -> bool:
    """The customer who placed the order, and superusers (support)."""
    return bool(user.is_authenticated and (order.user_id == user.pk or is_superuser(user)))
