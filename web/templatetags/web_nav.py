"""The top bar's links: each persona's pages that exist (web2's pages appear once their
URL names resolve)."""

from django import template

from mediation import selectors
from web.views._common import personas, url_or_none

register = template.Library()

LINKS = (
    ("member", "web:cases", "我的案件"),
    ("member", "web:case_new", "登记纠纷"),
    ("member", "web:todo", "待办"),
    ("director", "web:director_inbox", "收件箱"),
    ("office", "web:dashboard", "统计"),
    ("liaison", "web:liaison_home", "对接案件"),
)


@register.inclusion_tag("web/_nav.html", takes_context=True)
def web_nav(context):
    request = context["request"]
    user = request.user
    held = personas(user)
    links = [
        (url, label)
        for persona, name, label in LINKS
        if persona in held and (url := url_or_none(name))
    ]
    unread = 0
    if user.is_authenticated:
        unread = selectors.inbox(user).filter(read_at__isnull=True).count()
    return {
        "links": links,
        "notifications_url": url_or_none("web:notifications"),
        "unread": unread,
        "path": request.path,
    }
