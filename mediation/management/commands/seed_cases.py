"""seed_cases: fill the database with N synthetic cases, for benchmarks and demos (issue 6).

    python manage.py seed_cases --count 1000000 [--years 5] [--seed 42] [--batch 50000]

The cases fall on the real committees (the reference data is loaded first if the committee
table is empty), received over the last `--years` years up to now, in plausible
proportions: neighbourhood and marriage/family disputes most common, specialised
committees (医调委, 交调委, 劳调委, 物调委) taking their own kind, ~90 % success among
concluded cases, some still open, some declined or withdrawn, written vs oral agreements
~70/30, amounts log-normal (many missing), 2–12 people (mostly 2). Every case gets two
parties (张某 / 李某 or 某某有限公司: no ID numbers, no phones) and every succeeded case its
agreement. No events, sessions, follow-ups or referrals are written.

The state of each case is what the services would have left (mediation/services.py):
status, closed_as, outcome, received/accepted/concluded/archived times in order, due_on =
date accepted + MEDIATION_DAYS (+ the extension), party visits, the prevention figures, a
difficulty that follows the services' rule, created_by NULL.

Numbers: the generator walks time forward, so within each committee-year the sequences
follow the order of `received_at`, continuing after the committee's CaseNumberCounter; the
counters are then set to the last number given, so later registrations continue without
gaps. The whole load is one transaction (nothing is left half-seeded) holding the counter
table locked, so registrations made meanwhile wait for it.

Speed: PostgreSQL loads with COPY (psycopg 3), other databases with bulk_create, one batch
at a time, a progress line on stderr. Indexes and constraints stay in place. Afterwards
the tables are ANALYZEd and the statistics rollup rebuilt: on PostgreSQL by the set-based
mediation.rollup_sql.rollup_rebuild_sql, elsewhere by mediation.statistics.rollup_rebuild
(`--rollup` picks; `none` marks the touched committee-months dirty instead).
"""

import time as clock
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from committees.models import Committee
from committees.reference_data import reference_data_load
from mediation.models import Agreement, Case, CaseNumberCounter, DayDirty, Party, StatDirty
from mediation.seeding.generator import Generator
from mediation.seeding.tables import AGREEMENT_COLUMNS, CASE_COLUMNS, PARTY_COLUMNS, TableSpec
from mediation.seeding.writers import BulkWriter, CopyWriter, ahead

# --- the command ---------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Fill the database with N synthetic cases over the real committees (benchmarks, demos)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="number of cases to add")
        parser.add_argument("--years", type=int, default=5, help="spread over N years (5)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
        parser.add_argument("--batch", type=int, default=50000, help="rows per COPY (50000)")
        parser.add_argument(
            "--rollup",
            choices=("auto", "sql", "python", "none"),
            default="auto",
            help="rebuild the statistics rollup afterwards: sql (PostgreSQL set-based), "
            "python (statistics.rollup_rebuild), none (mark the months dirty); auto = sql on "
            "PostgreSQL, python elsewhere",
        )

    def handle(self, *args, count, years, seed, batch, rollup, **options):
        if count < 1 or years < 1 or batch < 1:
            raise CommandError("--count, --years and --batch must be positive.")
        on_postgres = connection.vendor == "postgresql"
        if rollup == "auto":
            rollup = "sql" if on_postgres else "python"
        if rollup == "sql" and not on_postgres:
            raise CommandError("--rollup sql needs PostgreSQL.")
        if not Committee.objects.exists():
            self.stdout.write(f"reference data: {reference_data_load()}")
        committees = list(Committee.objects.filter(is_active=True).order_by("id"))
        if not committees:
            raise CommandError("No active committee to put cases in.")

        started = clock.monotonic()
        now = timezone.now()
        specs = (TableSpec(Case, CASE_COLUMNS), TableSpec(Party, PARTY_COLUMNS))
        specs += (TableSpec(Agreement, AGREEMENT_COLUMNS),)
        writer = CopyWriter if on_postgres else BulkWriter
        case_writer, party_writer, agreement_writer = (writer(spec) for spec in specs)
        totals = [0, 0, 0]
        with transaction.atomic():
            first_id = self._lock_and_reserve(count, on_postgres)
            counters = {
                (c.committee_id, c.year): c.last
                for c in CaseNumberCounter.objects.select_for_update()
            }
            generator = Generator(
                committees=committees,
                count=count,
                years=years,
                seed=seed,
                now=now,
                first_id=first_id,
                counters=dict(counters),
            )
            for cases, parties, agreements in ahead(generator.batches(batch)):
                case_writer.write(cases)
                party_writer.write(parties)
                agreement_writer.write(agreements)
                if agreements:
                    self._point_to_agreements(agreements[0][0], agreements[-1][0])
                for i, rows in enumerate((cases, parties, agreements)):
                    totals[i] += len(rows)
                self._progress(totals[0], count, started)
            self._progress(totals[0], count, started, finished=True)
            self._save_counters(generator.counters, counters)
            if on_postgres:
                self._set_sequence(first_id + totals[0] - 1)
            if rollup == "none":
                self._mark_all_dirty(committees, generator.start, generator.today)
        loaded = clock.monotonic() - started
        self.stdout.write(
            f"seeded {totals[0]} cases, {totals[1]} parties, {totals[2]} agreements in "
            f"{loaded:.1f} s ({totals[0] / loaded:,.0f} cases/s)"
        )
        self._analyze(on_postgres)
        self.stdout.write(f"analyzed in {clock.monotonic() - started - loaded:.1f} s")
        if rollup != "none":
            before = clock.monotonic()
            if rollup == "sql":
                from mediation.rollup_sql import rollup_rebuild_sql

                cells = rollup_rebuild_sql()
                what = f"{cells} rollup cells (set-based SQL)"
            else:
                from mediation.statistics import rollup_rebuild

                months = rollup_rebuild()
                what = f"{months} committee-months (statistics.rollup_rebuild)"
            if on_postgres:
                from mediation.models import (
                    DistrictDurationStat,
                    DistrictMonthlyStat,
                    DurationStat,
                    MonthlyStat,
                )

                with connection.cursor() as cursor:
                    for model in (
                        MonthlyStat,
                        DurationStat,
                        DistrictMonthlyStat,
                        DistrictDurationStat,
                    ):
                        cursor.execute(f"ANALYZE {model._meta.db_table}")
            self.stdout.write(f"rebuilt {what} in {clock.monotonic() - before:.1f} s")
        self.stdout.write(f"total {clock.monotonic() - started:.1f} s")

    def _lock_and_reserve(self, count: int, on_postgres: bool) -> int:
        """Hold off registrations (they take a number first) and reserve `count` ids."""
        if not on_postgres:
            # SQLite: the IMMEDIATE transaction already holds the database's write lock.
            last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
            return last + 1
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Check the foreign keys as each COPY ends rather than all at COMMIT: the same
            # work, without queueing tens of millions of deferred trigger events in memory.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            table = CaseNumberCounter._meta.db_table
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Case._meta.db_table])
            self.sequence = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT GREATEST(nextval(%s), (SELECT COALESCE(MAX(id), 0) + 1 FROM "
                f"{Case._meta.db_table}))",
                [self.sequence],
            )
            return cursor.fetchone()[0]

    def _point_to_agreements(self, first_case_id: int, last_case_id: int) -> None:
        """Each seeded agreement is its case's current one (Case.agreement): set once its
        rows exist, since the case rows are written first."""
        case, agreement = Case._meta.db_table, Agreement._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {case} SET agreement_id = (SELECT a.id FROM {agreement} a "
                f"WHERE a.case_id = {case}.id) WHERE id BETWEEN %s AND %s "
                f"AND status IN ('succeeded', 'archived') AND agreement_id IS NULL",
                [first_case_id, last_case_id],
            )

    def _set_sequence(self, last_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s)", [self.sequence, last_id])

    def _save_counters(self, counters: dict, before: dict) -> None:
        existing = {(c.committee_id, c.year): c for c in CaseNumberCounter.objects.all()}
        new = []
        for (committee_id, year), last in counters.items():
            if before.get((committee_id, year)) == last:
                continue
            row = existing.get((committee_id, year))
            if row is None:
                new.append(CaseNumberCounter(committee_id=committee_id, year=year, last=last))
            else:
                row.last = last
                row.save(update_fields=["last"])
        CaseNumberCounter.objects.bulk_create(new)

    def _mark_all_dirty(self, committees, start: date, today: date) -> None:
        """Every committee-month (and committee-day) the seeded facts can fall in (an
        empty one recomputes to nothing), up to the month judicial confirmations can
        reach."""
        months, month = [], start.replace(day=1)
        while month <= today:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        StatDirty.objects.bulk_create(
            [StatDirty(committee=c, month=m) for c in committees for m in months],
            update_conflicts=True,
            unique_fields=["committee", "month"],
            update_fields=["marked_at"],
        )
        # and every day of those months, for the district's rows by day
        days = [start + timedelta(n) for n in range((month - start).days)]
        DayDirty.objects.bulk_create(
            (DayDirty(committee=c, day=d) for c in committees for d in days),
            update_conflicts=True,
            unique_fields=["committee", "day"],
            update_fields=["marked_at"],
            batch_size=5000,
        )

    def _analyze(self, on_postgres: bool) -> None:
        tables = [m._meta.db_table for m in (Case, Party, Agreement, CaseNumberCounter)]
        with connection.cursor() as cursor:
            if on_postgres:
                cursor.execute("SET statement_timeout = 0")
                verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                for table in tables:
                    cursor.execute(f"{verb} {table}")
                cursor.execute("RESET statement_timeout")
            else:
                cursor.execute("ANALYZE")

    def _progress(self, done: int, count: int, started: float, *, finished: bool = False):
        line = f"\r{done:>12,}/{count:,} cases  {clock.monotonic() - started:7.1f} s"
        self.stderr.write(line + ("\n" if finished else ""), ending="")
        self.stderr.flush()
