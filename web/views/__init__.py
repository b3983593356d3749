"""The pages, one module per persona: auth (sign-in), mediator, party (no login), director,
district (dashboard) and liaison. Each module declares its own ``urlpatterns``."""
