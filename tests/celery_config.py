"""Setting the Celery app's configuration from a test.

The app reads Django's settings under the CELERY_ namespace, and Celery 5.6 looks a key up
under its namespaced name first: `app.conf.task_always_eager = True` alone is shadowed by
the CELERY_TASK_ALWAYS_EAGER loaded from the settings and changes nothing. Each value is
set under both names."""


def configure(app, **values) -> dict:
    """Set `values` (plain Celery names) on `app.conf`; returns the values they replace."""
    before = {name: getattr(app.conf, name) for name in values}
    for name, value in values.items():
        app.conf[name] = value
        app.conf[f"CELERY_{name.upper()}"] = value
    return before
