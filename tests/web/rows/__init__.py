"""The web authorization table's rows, one module per page module (web/views/<module>.py).

Format. Each module here defines `ROWS`, a list of `Row`s (tests/web/rows/_table.py):

    Row(
        name="case",                     # the URL name without "web:" (the resolver's)
        method="GET",                    # GET or POST (a POST carries the CSRF token)
        path=lambda w: f"/cases/{w.case.pk}/",      # the URL, from the world `w`
        data=lambda w: {...},            # the POST body (optional)
        expect=statuses(302, member=200, director=200, office_a=200, district=200,
                        outsider=404, office_b=404, court=404),
    )

`statuses(default, **persona_status)` gives every persona of PERSONAS a status (anon, outsider,
member, director, office_a, office_b, district, court); name each one the default does not
fit. One URL name may have several rows (GET and POST). A module that needs more of the world
than tests/web/rows/_world.py builds defines `extend_world(w)`, called after the base world
is built, and sets its own attributes on `w`.

tests/web/test_web_authorization_table.py walks the URL resolver for every `web:` URL name
and fails for a name with no row (and for a row whose name does not exist); every
(row, persona) runs in a savepoint rolled back afterwards, so a write one persona makes never
changes what the next one gets, and a refusal (4xx, or a redirect to sign-in) must leave the
database as it was.
"""
