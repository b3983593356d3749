"""Expected status per persona for every URL of the director, dashboard and liaison pages
(branch web2), for the lead to merge into the web authorization table.

Personas: anonymous; mediator (a mediator of committee A); director (a director of A);
other_director (a director of committee B); judicial_office (the office over A's town);
district_office; liaison (the liaison of the institution the referral concerns).

URL arguments (see tests/web/test_director_authorization_rows.py for the world):
committee_id = committee A; case_id = a registered case of A (accept, decline) or a
mediating one (assign); transfer_id = a pending transfer from B to A; referral_id = an
outbound referral of A to the liaison's institution.

METHODS names the method of each URL (GET when absent). A POST is sent without a body
and without htmx: a director's or liaison's answer is 302 back to the page (the service's
refusal shown there as a message); anonymous is 302 to sign-in; out of scope or the wrong
role is 404. `director_inbox` of another committee's director is their own inbox (200).
"""

ANONYMOUS, NOBODY = 302, 404

DIRECTOR_POST = {
    "anonymous": ANONYMOUS,
    "mediator": NOBODY,
    "director": 302,
    "other_director": NOBODY,
    "judicial_office": NOBODY,
    "district_office": NOBODY,
    "liaison": NOBODY,
}
DASHBOARD = {
    "anonymous": ANONYMOUS,
    "mediator": NOBODY,
    "director": NOBODY,
    "other_director": NOBODY,
    "judicial_office": 200,
    "district_office": 200,
    "liaison": NOBODY,
}
LIAISON = {
    "anonymous": ANONYMOUS,
    "mediator": NOBODY,
    "director": NOBODY,
    "other_director": NOBODY,
    "judicial_office": NOBODY,
    "district_office": NOBODY,
    "liaison": 200,
}

ROWS = {
    "web:director_inbox": {**DIRECTOR_POST, "director": 200, "other_director": 200},
    "web:director_committee": {**DIRECTOR_POST, "director": 200},
    "web:director_accept": DIRECTOR_POST,
    "web:director_decline": DIRECTOR_POST,
    "web:director_assign": DIRECTOR_POST,
    "web:director_transfer_accept": DIRECTOR_POST,
    "web:director_transfer_reject": DIRECTOR_POST,
    "web:director_screening": DIRECTOR_POST,
    "web:dashboard": DASHBOARD,
    "web:dashboard_cases": DASHBOARD,
    "web:dashboard_export": DASHBOARD,
    "web:liaison_home": LIAISON,
    "web:liaison_referral": LIAISON,
    "web:liaison_feedback": {**LIAISON, "liaison": 302},
}

METHODS = {
    "web:director_accept": "POST",
    "web:director_decline": "POST",
    "web:director_assign": "POST",
    "web:director_transfer_accept": "POST",
    "web:director_transfer_reject": "POST",
    "web:director_screening": "POST",
    "web:liaison_feedback": "POST",
}
