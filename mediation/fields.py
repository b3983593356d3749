from django.db import models

from mediation import crypto


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code sees the plain value.

    Equality look-ups on it cannot work (each encryption differs): use the model's blind
    index field instead. An empty string stays empty (no need to hide "not given")."""

    description = "Encrypted text (personal data)"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)
