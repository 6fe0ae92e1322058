from django.db import models
from django.utils.text import slugify
from treebeard.mp_tree import MP_Node


class Category(MP_Node):
    """A catalog category; subcategories are its children in the treebeard tree."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self):
        return " › ".join(node.name for node in [*self.get_ancestors(), self]) if self.depth > 1 else self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)

    def subtree_ids(self):
        """This category's id and those of all its descendants (a parent includes its children)."""
        # By path prefix rather than get_tree(), which trusts a possibly stale numchild.
        return list(Category.objects.filter(path__startswith=self.path).values_list("id", flat=True))
