"""The calendar subscription box of /my/bookings/ and /teach/: the person's secret feed address, or a
button to get one."""

from __future__ import annotations

from django import template

from classes.calendar_feeds import calendar_feed_of, feed_addresses

register = template.Library()


@register.inclusion_tag("classes/_calendar_subscription.html", takes_context=True)
def calendar_subscription(context, kind: str, renew_url: str, title: str) -> dict:
    feed = calendar_feed_of(context["request"].user, kind=kind)
    return {
        "feed": feed,
        "addresses": feed_addresses(feed) if feed else None,
        "renew_url": renew_url,
        "title": title,
        "csrf_token": context.get("csrf_token"),
    }
