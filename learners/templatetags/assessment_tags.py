"""Formatting for quiz and assignment templates. What a block shows comes from the lesson
page's context (`block_states`, learners.lesson_blocks); these tags only format."""

from django import template

register = template.Library()


@register.filter
def percent(value):
    return "" if value is None else f"{value:g}%"
