"""The case search's indexes (issue 17 item 9), PostgreSQL only: `tiaojie_grams(text)` is
the set of the text's 1- and 2-character pieces, upper-cased, and a GIN index over it for
the case's number and title and the party's name lets `mediation.selectors.case_search`
find the few cases a rare word is in without reading every case of the scope;
`tiaojie_query_grams(word)` is what a search looks up: the word's 2-character pieces (its
one character when it has one), each in every text that contains the word. pg_trgm
would not serve the 1- and 2-character searches (a surname, 王某), which give no trigram.
SQLite keeps its plain scan: nothing is created there."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION tiaojie_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(u, i, n)), '{}')
  FROM (SELECT upper(value) AS u) s, generate_series(1, 2) n,
       generate_series(1, char_length(u) - n + 1) i
$$;
CREATE OR REPLACE FUNCTION tiaojie_query_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(value) < 2 THEN tiaojie_grams(value) ELSE (
    SELECT coalesce(array_agg(DISTINCT substr(u, i, 2)), '{}')
    FROM (SELECT upper(value) AS u) s, generate_series(1, char_length(u) - 1) i
  ) END
$$
"""
INDEXES = [
    ("case_number_grams", "mediation_case", "number"),
    ("case_title_grams", "mediation_case", "title"),
    ("party_name_grams", "mediation_party", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Building the indexes reads every case and party (2½ minutes at 1 M cases): longer
    # than the connection's statement_timeout (config/settings.py), lifted for this
    # migration's own transaction only.
    schema_editor.execute("SET LOCAL statement_timeout = 0")
    schema_editor.execute(FUNCTION)
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (tiaojie_grams({column}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS tiaojie_query_grams(text)")
    schema_editor.execute("DROP FUNCTION IF EXISTS tiaojie_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("mediation", "0015_case_due_recent_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
