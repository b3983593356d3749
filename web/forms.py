"""The pages' forms. They parse and shape what a person typed (types, required fields,
lengths of the inputs); every rule of the domain — ID checksums, phones, dates of past
events, amounts, who may act — is the services' and comes back as a DomainError shown
beside its field (web.views._common.add_error). No rule is copied here."""

from django import forms
from django.forms import formset_factory

from mediation import choices
from mediation.models import FollowUp

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# Four lines on a phone; the box grows with the text on most browsers.
TEXTAREA = forms.Textarea(attrs={"rows": 4})


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class CaseForm(forms.Form):
    """登记纠纷: the descriptive fields (the parties are PartyFormSet)."""

    committee = forms.TypedChoiceField(label="受理调委会", coerce=int)
    source = forms.ChoiceField(label="案件来源", choices=choices.SELF_REGISTERED_SOURCE_CHOICES)
    dispute_type = forms.ChoiceField(label="纠纷类型", choices=choices.DisputeType.choices)
    title = forms.CharField(label="纠纷名称", max_length=200)
    facts = forms.CharField(label="纠纷事实", required=False, widget=TEXTAREA)
    claims = forms.CharField(label="当事人请求", required=False, widget=TEXTAREA)
    amount_involved = forms.DecimalField(
        label="涉及金额（元）", required=False, max_digits=14, decimal_places=2
    )
    occurred_on = forms.DateField(label="纠纷发生日期", required=False, widget=DateInput())
    risk_flags = forms.MultipleChoiceField(
        label="风险标记",
        required=False,
        choices=choices.RiskFlag.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, committees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].choices = [(c.pk, c.name) for c in committees]
        if len(committees) == 1:
            self.fields["committee"].initial = committees[0].pk
            self.fields["committee"].widget = forms.HiddenInput()

    def service_fields(self) -> dict:
        """The cleaned data as `services.case_register` takes it (blank optionals left out)."""
        data = self.cleaned_data
        fields = {
            "dispute_type": data["dispute_type"],
            "title": data["title"],
            "facts": data["facts"],
            "claims": data["claims"],
            "risk_flags": data["risk_flags"],
        }
        if data["amount_involved"] is not None:
            fields["amount_involved"] = data["amount_involved"]
        if data["occurred_on"] is not None:
            fields["occurred_on"] = data["occurred_on"]
        return fields


class PartyForm(forms.Form):
    """One party row: added and removed in place on the page."""

    role = forms.ChoiceField(label="身份", choices=choices.PartyRole.choices)
    # No field initial (the select shows 自然人 first anyway): a row absent from the POST
    # must read as unchanged, so the formset skips it.
    kind = forms.ChoiceField(label="类别", choices=choices.PartyKind.choices)
    name = forms.CharField(label="姓名/名称", max_length=100)
    id_number = forms.CharField(label="证件号码", max_length=64, required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text")
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")


# Rows the page removed are absent from the POST: an absent (or untouched) row is an empty
# extra form and is skipped, so removing a row needs no renumbering.
PartyFormSet = formset_factory(PartyForm, extra=0, max_num=200, absolute_max=200)


def party_rows(formset) -> list[tuple[int, dict]]:
    """(row index, party) for each row the person filled in."""
    return [
        (index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.has_changed() and form.cleaned_data
    ]


class SessionForm(forms.Form):
    """记录调解: a hearing held (its time, place, who came, what was said), or one set for a
    later time (a planned session, services.case_record_session decides by `held_at`)."""

    held_at = forms.DateTimeField(
        label="调解时间",
        input_formats=[DATETIME_LOCAL],
        widget=DateTimeInput(),
        help_text="填以后的时间即为安排调解，有电话的当事人会收到短信通知。",
    )
    place = forms.CharField(label="地点", max_length=200, required=False)
    participants = forms.CharField(label="参加人员", max_length=2000, required=False)
    # Optional here: a planned session has none yet; the service asks for it otherwise.
    summary = forms.CharField(label="调解情况", widget=TEXTAREA, required=False)
    party_present = forms.BooleanField(label="当事人到场", required=False, initial=True)


class ConcludeForm(forms.Form):
    """结案: success with the agreement's fields, or failure with the guidance given."""

    outcome = forms.ChoiceField(
        label="调解结果", choices=choices.Outcome.choices, widget=forms.RadioSelect
    )
    # Not named `form`: a control named so shadows the form's own `form` in the DOM.
    agreement_form = forms.ChoiceField(
        label="协议形式",
        choices=choices.AgreementForm.choices,
        initial=choices.AgreementForm.WRITTEN,
        required=False,
    )
    terms = forms.CharField(label="协议内容", widget=TEXTAREA, required=False)
    amount = forms.DecimalField(
        label="协议金额（元）", required=False, max_digits=14, decimal_places=2
    )
    performance_deadline = forms.DateField(label="履行期限", required=False, widget=DateInput())
    intends_judicial_confirmation = forms.BooleanField(label="拟申请司法确认", required=False)
    guidance = forms.ChoiceField(
        label="告知当事人的其他途径",
        # 人民调解法 art 26: "none" is no longer a conclusion (older rows keep it).
        choices=[
            ("", "—"),
            *[c for c in choices.Guidance.choices if c[0] != choices.Guidance.NONE],
        ],
        required=False,
    )
    reason = forms.CharField(label="结案说明", max_length=2000, required=False, widget=TEXTAREA)

    def service_arguments(self) -> dict:
        """The cleaned data as `services.case_conclude` takes it."""
        data = self.cleaned_data
        if data["outcome"] == choices.Outcome.SUCCESS:
            agreement = {
                "form": data["agreement_form"],
                "terms": data["terms"],
                "amount": data["amount"],
                "performance_deadline": data["performance_deadline"],
                "intends_judicial_confirmation": data["intends_judicial_confirmation"],
            }
            return {"outcome": data["outcome"], "agreement": agreement, "reason": data["reason"]}
        return {"outcome": data["outcome"], "guidance": data["guidance"], "reason": data["reason"]}


class FollowUpCompleteForm(forms.Form):
    """完成回访: what the visit found (履行回访) or the review's result (差评复核)."""

    performed = forms.ChoiceField(
        label="履行情况", choices=[("", "—"), *choices.Performance.choices], required=False
    )
    result = forms.CharField(label="结果", max_length=2000, required=False)
    note = forms.CharField(label="备注", max_length=2000, required=False)

    def __init__(self, *args, followup=None, **kwargs):
        super().__init__(*args, **kwargs)
        if followup is not None and followup.kind != FollowUp.Kind.PERFORMANCE_CHECK:
            del self.fields["performed"]


class RatingForm(forms.Form):
    """好差评: one to five stars and an optional comment."""

    stars = forms.TypedChoiceField(
        label="评分",
        coerce=int,
        choices=[(n, f"{n}星") for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择星级。"},
    )
    comment = forms.CharField(
        label="意见（可不填）", required=False, max_length=2000, widget=TEXTAREA
    )
