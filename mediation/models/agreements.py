"""The signatures on a written agreement (人民调解法 art 29): every party signs, seals or
fingerprints it, a mediator signs it and the committee seals it; the day the last of them
did is the day it takes effect (Agreement.effective_on, derived by
mediation/services/agreements.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from committees.models import Committee, Mediator
from mediation.models.cases import Agreement, Party
from mediation.models.files import Attachment


class AgreementSignature(models.Model):
    """One signature: a party's, a mediator's, or the committee's seal (signer `committee`,
    method `seal`). One per signer per agreement version; rows are never edited."""

    class Signer(models.TextChoices):
        PARTY = "party", "当事人"
        MEDIATOR = "mediator", "调解员"
        COMMITTEE = "committee", "调委会"

    class Method(models.TextChoices):
        HANDWRITTEN = "handwritten", "签名"
        FINGERPRINT = "fingerprint", "按指印"
        SEAL = "seal", "盖章"
        ELECTRONIC = "electronic", "电子签名"

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="signatures", verbose_name="调解协议"
    )
    signer = models.CharField("签署方", max_length=16, choices=Signer.choices)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mediator = models.ForeignKey(
        Mediator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    committee = models.ForeignKey(
        Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField("签署方式", max_length=16, choices=Method.choices)
    signed_at = models.DateTimeField("签署时间")
    # The scan of the signed agreement: an attachment of this case, kind signed_agreement.
    attachment = models.ForeignKey(
        Attachment,
        verbose_name="签署件附件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "协议签署"
        verbose_name_plural = "协议签署"
        ordering = ["signed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(signer="party", party__isnull=False, mediator__isnull=True)
                    | Q(signer="mediator", mediator__isnull=False, party__isnull=True)
                    | Q(
                        signer="committee",
                        committee__isnull=False,
                        party__isnull=True,
                        mediator__isnull=True,
                        method="seal",
                    )
                ),
                name="signature_signer_consistent",
            ),
            models.UniqueConstraint(
                fields=["agreement", "party"],
                condition=Q(party__isnull=False),
                name="signature_once_per_party",
            ),
            models.UniqueConstraint(
                fields=["agreement", "mediator"],
                condition=Q(mediator__isnull=False),
                name="signature_once_per_mediator",
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(signer="committee"),
                name="signature_one_committee_seal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_signer_display()} {self.get_method_display()} {self.signed_at:%Y-%m-%d}"
