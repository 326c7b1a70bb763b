"""Template filters and tags for the cockpit's admin pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from cockpit.dashboard import CapacityBar, CapacityTile

register = template.Library()


@register.filter
def code_label(value: object) -> str:
    """A stored code as words: "at_risk" -> "At risk", "mid_market" -> "Mid market"."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def _capacity_cells(bar: CapacityBar) -> tuple[str, SafeString, SafeString, int, int]:
    load = bar.load
    name = format_html('<a href="{}">{}</a>', bar.url, load.name) if bar.url else load.name
    if bar.share is None:
        track = SafeString('<span class="cs-empty">no capacity set</span>')
    else:
        track = format_html(
            '<div class="cs-track" title="{} of {}"><div class="cs-fill{}" style="width: {}%">'
            "</div></div>",
            load.assigned,
            load.capacity,
            " cs-over" if load.over_capacity else "",
            bar.width,
        )
    return load.email, format_html("{}", name), track, load.assigned, load.capacity


@register.simple_tag
def capacity_rows(tile: CapacityTile) -> SafeString:
    """The capacity tile's rows (a row per active CSM: hundreds at 10,000 customers), built
    here: through the template language each row cost ~0.2 ms of attribute lookups."""
    return format_html_join(
        "\n",
        '<tr data-csm="{}"><td>{}</td><td style="width: 45%">{}</td>'
        '<td class="cs-num">{} / {}</td></tr>',
        (_capacity_cells(bar) for bar in tile.bars),
    )
