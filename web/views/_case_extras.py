"""What the case page shows beside the facts: the attachments (with the upload form a
phone's camera can fill) and the planned sessions (each with its 记录为已举行 form). The
forms only parse; mediation.services.attachments and mediation.services.sessions decide."""

from django import forms

from committees.scope import scope_for
from mediation import selectors
from mediation.models import Attachment, MediationSession
from web.forms import DATETIME_LOCAL, TEXTAREA, DateTimeInput

# What the phone offers: its camera (capture) or a file; the server still decides by content.
ACCEPT = "image/*,application/pdf"
API = "/api/v1"


class AttachmentForm(forms.Form):
    """上传附件: the file (a photo from the camera, a scan, a PDF), its kind and a note."""

    kind = forms.ChoiceField(
        label="附件类别", choices=Attachment.Kind.choices, initial=Attachment.Kind.PHOTO
    )
    file = forms.FileField(
        label="文件",
        widget=forms.FileInput(attrs={"accept": ACCEPT, "capture": "environment"}),
        help_text="可直接拍照；支持 PDF、JPEG、PNG、DOCX 和常见录音格式。",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件为空。"},
    )
    party = forms.TypedChoiceField(
        label="当事人（身份证明）", coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label="说明", max_length=500, required=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "—"), *((p.id, p.name) for p in parties)]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "upload": data["file"],
            "note": data.get("note") or "",
            "party_id": data.get("party"),
        }


class SessionHeldForm(forms.Form):
    """记录为已举行: what was said at a planned session (its time, unless changed)."""

    held_at = forms.DateTimeField(
        label="实际调解时间",
        input_formats=[DATETIME_LOCAL],
        widget=DateTimeInput(),
        required=False,
        help_text="不填即为安排的时间。",
    )
    participants = forms.CharField(label="参加人员", max_length=2000, required=False)
    summary = forms.CharField(label="调解情况", widget=TEXTAREA)
    party_present = forms.BooleanField(label="当事人到场", required=False, initial=True)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "held_at": data.get("held_at"),
            "summary": data["summary"],
            "participants": data.get("participants") or None,
            "party_present": data["party_present"],
        }


def held_prefix(session_id: int) -> str:
    return f"held-{session_id}"


def extras(
    user,
    case,
    *,
    unmasked: bool,
    may_record_session: bool,
    attach_form=None,
    held_form=None,
    held_session_id=None,
) -> dict:
    """The attachments and the sessions (held ones, planned ones with their forms)."""
    member = scope_for(user).is_member(case.committee_id)
    attachments = [
        {
            "row": a,
            # identity documents and signed agreements: only the holding committee's members
            "url": f"{API}/attachments/{a.pk}/download/" if member or not a.is_personal else None,
        }
        for a in selectors.attachment_list(user).filter(case=case).order_by("uploaded_at", "id")
    ]
    sessions = list(case.sessions.all())
    planned = []
    for s in sessions:
        if s.status != MediationSession.Status.PLANNED:
            continue
        form = held_form if held_session_id == s.pk and held_form is not None else None
        if form is None and may_record_session:
            form = SessionHeldForm(prefix=held_prefix(s.pk))
        planned.append({"session": s, "form": form if may_record_session else None})
    return {
        "attachments": attachments,
        "may_attach": member,
        "attach_form": attach_form or AttachmentForm(parties=case.parties.all()),
        "sessions": [s for s in sessions if s.status != MediationSession.Status.PLANNED],
        "planned": planned,
    }
