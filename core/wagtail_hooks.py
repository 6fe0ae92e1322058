from wagtail import hooks


@hooks.register("register_log_actions")
def register_moderation_actions(actions):
    """The decisions of core.moderation, for any moderated item (reviews, messages)."""
    actions.register_action("lectern.moderation_hide", "Hide (moderation)", "Hidden by a moderator")
    actions.register_action("lectern.moderation_delete", "Delete (moderation)", "Deleted by a moderator")
    actions.register_action("lectern.moderation_restore", "Restore (moderation)", "Restored by a moderator")
