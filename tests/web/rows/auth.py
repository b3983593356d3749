"""web/views/auth.py: sign-in, home, password change, sign-out."""

from tests.web.rows._table import SIGN_IN, Row, statuses

ROWS = [
    Row("signin", "GET", lambda w: "/", statuses(302, anon=200)),
    Row(
        "signin",
        "POST",
        lambda w: "/",
        statuses(302, anon=200),  # anon: a wrong password, the form again
        data=lambda w: {"username": "nobody", "password": "wrong"},
    ),
    Row("home", "GET", lambda w: "/home/", statuses(200, anon=SIGN_IN)),
    Row("password_change", "GET", lambda w: "/password/", statuses(200, anon=SIGN_IN)),
    Row("password_change", "POST", lambda w: "/password/", statuses(200, anon=SIGN_IN)),
    Row("logout", "POST", lambda w: "/logout/", statuses(302)),
]
