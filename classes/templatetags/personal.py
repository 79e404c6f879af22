"""`{% personal "name" %}…{% endpersonal %}`: a part of a page that only the person asking sees.

Rendered in place as usual; but when classes.page_cache keeps a page for everyone who sees it alike, the
part is left as a hole (an HTML comment naming it, with a key no page content can forge, since the
templates escape what people type) and rendered for each request into that hole.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe

register = template.Library()

# In the context of a page rendered to be kept for everyone: personal parts become holes.
PUNCH_HOLES = "_punch_personal_holes"


@cache
def _hole_key() -> str:
    # Derived from SECRET_KEY, so every process agrees on it.
    return salted_hmac("classes.personal-hole", "hole").hexdigest()[:16]


def hole_marker(name: str) -> str:
    return f"<!--personal:{name}:{_hole_key()}-->"


class PersonalNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        if context.get(PUNCH_HOLES):
            return mark_safe(hole_marker(self.name))
        return self.nodelist.render(context)


@register.tag("personal")
def do_personal(parser, token) -> PersonalNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Usage: {% personal "name" %}…{% endpersonal %}')
    nodelist = parser.parse(("endpersonal",))
    parser.delete_first_token()
    return PersonalNode(bits[1][1:-1], nodelist)
