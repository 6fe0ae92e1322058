"""Names of the groups that express roles (DESIGN.md §3)."""

INSTRUCTORS_GROUP = "Instructors"
MODERATORS_GROUP = "Moderators"
