"""Template filters for the cockpit's admin pages."""

from django import template

register = template.Library()


@register.filter
def code_label(value: object) -> str:
    """A stored code as words: "at_risk" -> "At risk", "mid_market" -> "Mid market"."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]
