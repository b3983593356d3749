"""What a page does with a service's answer: a DomainError becomes a Chinese message in
place (its `field`, when it names one, puts it beside that field), and a conflict — someone
else acted first — becomes a notice above the state as it is now. The same codes as the
API's (api/exceptions.py turns the same errors into JSON)."""

import dataclasses
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponseRedirect

from mediation.exceptions import Conflict, DomainError, InvalidTransition

CONFLICT_NOTICE = "其他人已先处理了该事项，以下是最新状态。"


@dataclass
class Outcome:
    """One action's result for the template: `done` (a success message), `error` (the
    service's message, with its `code` and the `field` it names) or `notice` (a conflict:
    the page shows the current state)."""

    done: str = ""
    error: str = ""
    code: str = ""
    field: str = ""
    notice: str = ""
    field_errors: dict = dataclasses.field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.error or self.notice or self.field_errors)


def from_error(error: DomainError) -> Outcome:
    """The Outcome of a refused action. A 409 (conflict, or a state that no longer allows
    the move) is a notice: the caller re-reads and shows the current state."""
    if isinstance(error, Conflict | InvalidTransition):
        return Outcome(notice=f"{CONFLICT_NOTICE}（{error.detail}）", code=error.code)
    return Outcome(error=error.detail, code=error.code, field=str(error.extra.get("field") or ""))


def from_form(form) -> Outcome:
    """A form that did not parse: its field errors, in Chinese."""
    errors = {name: " ".join(str(e) for e in errs) for name, errs in form.errors.items()}
    return Outcome(error="请检查填写的内容。", code="invalid", field_errors=errors)


def answer(request, outcome: Outcome, render_fragment, back: str):
    """An htmx request gets the fragment (the item in its current state, with the message);
    a plain form post is redirected back to the page with the message (no JavaScript)."""
    if request.htmx:
        return render_fragment()
    if outcome.done:
        messages.success(request, outcome.done)
    elif outcome.notice:
        messages.warning(request, outcome.notice)
    elif outcome.error or outcome.field_errors:
        details = [outcome.error, *outcome.field_errors.values()]
        messages.error(request, " ".join(d for d in details if d))
    return HttpResponseRedirect(back)
