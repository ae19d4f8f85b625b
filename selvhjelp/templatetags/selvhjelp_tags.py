"""Small template helpers for our own templates: language links and policy summaries."""

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language_info, ngettext

from selvhjelp.enums import FollowUpRule

register = template.Library()


@register.simple_tag(takes_context=True)
def alternate_url(context, lang_code: str) -> str:
    """The current page in another language; the home page there if the page has no twin."""
    request = context.get("request")
    if request is not None:
        path = request.get_full_path()
        translated = translate_url(path, lang_code)
        if translated != path or lang_code == translation.get_language():
            return translated
    with translation.override(lang_code):
        return reverse("home")


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """One entry per site language: code, its own name, the link and whether it is current."""
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": alternate_url(context, code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


@register.filter
def followup_summary(centre) -> str:
    """When the starters come back, e.g. "after 4 held meetings", from the centre's policy."""
    count = centre.followup_after
    if centre.followup_rule == FollowUpRule.AFTER_MEETINGS:
        text = ngettext("after %(count)d held meeting", "after %(count)d held meetings", count)
    elif centre.followup_rule == FollowUpRule.AFTER_WEEKS:
        text = ngettext("after %(count)d week", "after %(count)d weeks", count)
    elif centre.followup_rule == FollowUpRule.AFTER_MONTHS:
        text = ngettext("after %(count)d month", "after %(count)d months", count)
    else:
        return f"{centre.get_followup_rule_display()} ({count})"
    return text % {"count": count}
