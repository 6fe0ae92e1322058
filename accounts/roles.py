"""Names of the groups that express roles (docs/architecture.md §3)."""

INSTRUCTORS_GROUP = "Instructors"
MODERATORS_GROUP = "Moderators"
