"""Sign-in at `/` (Django sessions, CSRF on), sign-out, password change, and the plain home
page for a user whose persona has no page of its own yet.

Sign-in goes through the same lock-out as the API's token endpoint and the admin
(committees.signin): a locked pair or address gets 429 with Retry-After, here with the sign-in
page and the message in Chinese.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.urls import path

from committees.signin import LOCKED_MESSAGE, with_login_lockout
from web.views._common import home_url, personas


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账号已停用。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocorrect="off")


class SignInView(auth_views.LoginView):
    """GET shows the form (a signed-in user goes straight home); POST signs in and lands
    on the persona's home, or on a safe `next`."""

    template_name = "web/auth/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return home_url(self.request.user)


def _locked(request, wait):
    form = SignInForm(request, data=request.POST)
    return render(
        request,
        "web/auth/signin.html",
        {"form": form, "locked": LOCKED_MESSAGE.format(wait=wait)},
    )


signin = with_login_lockout(SignInView.as_view(), locked_response=_locked)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/auth/password_change.html"

    def get_success_url(self):
        return home_url(self.request.user)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


@login_required
def home(request):
    """The plain home: links to whatever pages the user has."""
    return render(request, "web/home.html", {"personas": sorted(personas(request.user))})


urlpatterns = [
    path("", signin, name="signin"),
    path("home/", home, name="home"),
    path("password/", login_required(PasswordChangeView.as_view()), name="password_change"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
]
