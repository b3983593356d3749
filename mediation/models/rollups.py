"""The statistics rollup tables (read and refreshed by mediation.statistics)."""

from django.db import models
from django.utils import timezone

from committees.models import Committee


class StatMeasures(models.Model):
    """The additive counters of a rollup cell (mediation.statistics.ADDITIVE).

    Each counter counts what happened in the cell's month by its own date: `received` and
    the amounts and people by date received, `accepted` and `mediated_people` (涉及当事人)
    by date accepted, the conclusions
    and agreement figures by date concluded, judicial confirmations by date applied."""

    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    accepted_party_application = models.PositiveIntegerField(default=0)
    accepted_screening = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    written_agreements = models.PositiveIntegerField(default=0)
    oral_agreements = models.PositiveIntegerField(default=0)
    one_visit = models.PositiveIntegerField(default=0)
    judicial_confirmations = models.PositiveIntegerField(default=0)
    amount_involved = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    people_involved = models.PositiveBigIntegerField(default=0)
    mediated_people = models.PositiveBigIntegerField(default=0)
    agreement_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    prevented_suicide_cases = models.PositiveIntegerField(default=0)
    prevented_suicide = models.PositiveIntegerField(default=0)
    prevented_civil_to_criminal_cases = models.PositiveIntegerField(default=0)
    prevented_civil_to_criminal = models.PositiveIntegerField(default=0)
    prevented_group_fight_cases = models.PositiveIntegerField(default=0)
    prevented_group_fight = models.PositiveIntegerField(default=0)
    prevented_group_petition_cases = models.PositiveIntegerField(default=0)
    prevented_group_petition = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyStat(StatMeasures):
    """The statistics rollup: one row per committee × month × dispute type × source.

    Rows are recomputed from the raw tables for every committee-month marked dirty
    (StatDirty) by the services; mediation.statistics is the reference and the reader."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    dispute_type = models.CharField(max_length=32)
    source = models.CharField(max_length=32)

    class Meta:
        verbose_name = "统计汇总"
        verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "month", "dispute_type", "source"],
                name="monthlystat_cell_unique",
            )
        ]
        indexes = [models.Index(fields=["month", "committee"], name="monthlystat_month")]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.month:%Y-%m} {self.dispute_type}/{self.source}"


class DistrictMonthlyStat(StatMeasures):
    """MonthlyStat summed over every committee: month × dispute type × source.

    What the district office's unfiltered questions read (hundreds of rows a year instead
    of tens of thousands). Recomputed from MonthlyStat for each month marked in
    DistrictStatDirty, which the committee-month refresh marks in its own transaction."""

    month = models.DateField("月份")
    dispute_type = models.CharField(max_length=32)
    source = models.CharField(max_length=32)

    class Meta:
        verbose_name = "全区统计汇总"
        verbose_name_plural = "全区统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dispute_type", "source"], name="districtstat_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dispute_type}/{self.source}"


class DurationStat(models.Model):
    """How long concluded cases took: per committee × month concluded × whole days from
    the date received to the date concluded (Asia/Shanghai), the number of cases that
    succeeded, failed or were withdrawn. The median days to conclude is read from it."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    # Signed: a case concluded "before" it was received (bad imported data) must not stop
    # the refresh; it counts as it is, on both paths.
    days = models.IntegerField("用时（天）")
    cases = models.PositiveIntegerField("件数")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "month", "days"], name="durationstat_cell_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "committee"], name="durationstat_month")]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.month:%Y-%m} {self.days} 天: {self.cases}"


class DistrictDurationStat(models.Model):
    """DurationStat summed over every committee: month concluded × days."""

    month = models.DateField("月份")
    # Signed: a case concluded "before" it was received (bad imported data) must not stop
    # the refresh; it counts as it is, on both paths.
    days = models.IntegerField("用时（天）")
    cases = models.PositiveIntegerField("件数")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "days"], name="districtduration_cell_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.days} 天: {self.cases}"


class DistrictDailyStat(StatMeasures):
    """The district's cells by day: day × dispute type × source, summed over every
    committee (issue 18: statistics for any period).

    A period's whole months are read from the monthly tables; the days before and after
    them (an odd period's head and tail) from here, so the district office's question costs
    the same whatever the number of cases. Recomputed from the raw tables for each day
    marked in DayDirty (mark_dirty marks the days a change touches, as it marks the
    committee-months)."""

    day = models.DateField("日期")
    dispute_type = models.CharField(max_length=32)
    source = models.CharField(max_length=32)

    class Meta:
        verbose_name = "全区逐日统计汇总"
        verbose_name_plural = "全区逐日统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "dispute_type", "source"], name="districtdaily_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.dispute_type}/{self.source}"


class DistrictDailyDurationStat(models.Model):
    """DistrictDurationStat by day concluded: day × days to conclude."""

    day = models.DateField("日期")
    # Signed, as DurationStat.days.
    days = models.IntegerField("用时（天）")
    cases = models.PositiveIntegerField("件数")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "days"], name="districtdailyduration_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.days} 天: {self.cases}"


class DayDirty(models.Model):
    """A committee's day whose facts changed: the district's rows of that day
    (DistrictDailyStat, DistrictDailyDurationStat) must be recomputed from the raw tables.

    Marked in the same transaction as the change, per committee so that concurrent
    changes in different committees never queue on one row; cleared by the refresher."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee", "day"], name="daydirty_unique")]
        indexes = [models.Index(fields=["day"], name="daydirty_day")]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.day:%Y-%m-%d}"


class DistrictStatDirty(models.Model):
    """A month whose district rows must be recomputed from the committee rows."""

    month = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class StatDirty(models.Model):
    """A committee-month whose rollup rows must be recomputed (marked in the same
    transaction as the change; cleared by the refresher)."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "month"], name="statdirty_unique")
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.month:%Y-%m}"
