"""Synthetic cases for benchmarks and demos (manage.py seed_cases): tables (proportions,
profiles, columns), generator (the rows), writers (COPY or bulk_create)."""
