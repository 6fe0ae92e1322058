from wagtail import hooks


@hooks.register("register_log_actions")
def register_account_actions(actions):
    actions.register_action("lectern.user.role_changed", "Change role", "Changed role")
    actions.register_action("lectern.user.deactivated", "Deactivate", "Deactivated account")
    actions.register_action("lectern.user.reactivated", "Reactivate", "Reactivated account")
    actions.register_action("lectern.user.deleted", "Delete account", "Deleted and anonymised account")


@hooks.register("register_admin_viewset")
def register_people():
    from .admin_views import people_viewset

    return people_viewset
