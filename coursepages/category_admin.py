"""The Categories screen in the Wagtail admin: the treebeard tree listed in order and
indented, add a top-level category or a subcategory, edit (rename or move), delete.

The form only validates; every change to the tree goes through `coursepages.services`
(`category_create`, `category_update`, `category_delete`), which use treebeard's
add_root / add_child / move."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from .models import Category
from .services import (
    CategoryError,
    category_create,
    category_delete,
    category_delete_errors,
    category_parent_errors,
    category_update,
)

INDENT = "\u2003"  # an em space per level


def indented_name(category: Category) -> str:
    return f"{INDENT * (category.depth - 1)}{'↳ ' if category.depth > 1 else ''}{category.name}"


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return indented_name(obj)


class CategoryForm(WagtailAdminModelForm):
    parent = ParentChoiceField(
        queryset=Category.objects.order_by("path"),
        required=False,
        empty_label="None: a top-level category",
        help_text="Choose a category to make this a subcategory of it.",
    )

    class Meta:
        model = Category
        fields = ["name", "slug", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Used in catalog addresses; leave blank to make one from the name."
        if self.instance.pk:
            parent = self.instance.get_parent()
            self.fields["parent"].initial = parent.pk if parent else None
            # A category cannot move inside itself: leave it and its subtree out of the choices.
            outside = Category.objects.exclude(pk__in=self.instance.subtree_ids())
            self.fields["parent"].queryset = outside.order_by("path")

    def clean_slug(self):
        return self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name") or "")[:100]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            for message in category_parent_errors(category=self.instance, parent=cleaned.get("parent")):
                self.add_error("parent", message)
        return cleaned


class IndentedTitleColumn(TitleColumn):
    def get_value(self, instance):
        return indented_name(instance)


class CategoryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(course_count=Count("courses"))

    def order_queryset(self, queryset):
        return queryset.order_by("path")  # tree order: each category followed by its subcategories

    @property
    def columns(self):
        return [
            IndentedTitleColumn("name", label="Category", url_name=self.edit_url_name),
            Column("slug", label="Slug"),
            Column("course_count", label="Courses"),
            TitleColumn(
                "add_child",
                label="",
                accessor=lambda category: f"Add a subcategory of {category.name}",
                get_url=lambda category: f"{reverse(self.add_url_name)}?parent={category.pk}",
            ),
        ]


class CategoryCreateView(generic.CreateView):
    def get_initial(self):
        initial = super().get_initial()
        if parent_id := self.request.GET.get("parent"):
            initial["parent"] = parent_id
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        category = category_create(
            name=data["name"], slug=data["slug"], description=data["description"], parent=data.get("parent")
        )
        log(instance=category, action="wagtail.create", user=self.request.user)
        return category


class CategoryEditView(generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        category = category_update(
            category=self.object,
            name=data["name"],
            slug=data["slug"],
            description=data["description"],
            parent=data.get("parent"),
        )
        log(instance=category, action="wagtail.edit", user=self.request.user)
        return category

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except CategoryError as error:
            form.add_error("parent", ValidationError(str(error)))
            return self.form_invalid(form)


class CategoryDeleteView(generic.DeleteView):
    def form_valid(self, form):
        errors = category_delete_errors(category=self.object)
        if errors:
            messages.error(self.request, errors[0])
            return redirect(self.get_success_url())
        return super().form_valid(form)

    def delete_action(self):
        log(instance=self.object, action="wagtail.delete", user=self.request.user)
        category_delete(category=self.object)


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = "Categories"
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = CategoryIndexView
    add_view_class = CategoryCreateView
    edit_view_class = CategoryEditView
    delete_view_class = CategoryDeleteView
    edit_handler = ObjectList(
        [FieldPanel("parent"), FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")],
        base_form_class=CategoryForm,
    )
    copy_view_enabled = False
    inspect_view_enabled = False


category_viewset = CategoryViewSet("categories")
