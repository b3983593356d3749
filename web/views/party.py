"""The party's rating page (好差评), `/r/<token>`, no login: five large stars, an optional
comment, one submit. The link's rules are the API's (mediation.selectors.rating_link,
services.rating_submit): absent or expired reads as such, a used one says so. The page
loads no script at all (the stars are radio buttons styled by app.css): it stays well under
100 KB for a cheap phone on a slow connection."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mediation import selectors, services
from mediation.exceptions import Conflict, DomainError, NotFound
from web.forms import RatingForm
from web.views._common import add_error

TEMPLATE = "web/party/rate.html"


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    link = selectors.rating_link(token)
    if link is None:
        return render(request, TEMPLATE, {"state": "invalid"}, status=404)
    context = {"link": link, "committee": link.case.committee.name, "title": link.case.title}
    if link.used_at is not None:
        return render(request, TEMPLATE, {**context, "state": "used"})
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_submit(token=token, **form.cleaned_data)
        except Conflict:
            return render(request, TEMPLATE, {**context, "state": "used"}, status=409)
        except NotFound:
            return render(request, TEMPLATE, {"state": "invalid"}, status=404)
        except DomainError as error:
            add_error(form, error)
        else:
            return render(request, TEMPLATE, {**context, "state": "thanks"})
    status = 400 if form.errors else 200
    return render(request, TEMPLATE, {**context, "state": "open", "form": form}, status=status)


urlpatterns = [
    path("r/<str:token>", rate, name="rate"),
]
