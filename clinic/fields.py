"""Encrypted model fields: the attribute reads and writes plaintext, the column holds ciphertext.

    first_name = EncryptedTextField(key_field="pii_key")

`key_field` names the row's foreign key to its clinic.DataKey. Services assign it (see
clinic.keystore.data_key_get_or_create) before the first save; saving without one is an error,
never a plaintext write. Select the key with `select_related(key_field)` so that reading a list
costs no extra query. After crypto-shredding the key is gone and the value reads as empty.
"""

import datetime

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.text import capfirst

from clinic import keystore


class _Ciphertext(bytes):
    """A value as loaded from the database, not yet decrypted."""


class _EncryptedDescriptor:
    def __init__(self, field: "EncryptedTextField"):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, _Ciphertext):
            value = self.field.decrypt_for(instance, value)
            instance.__dict__[self.field.attname] = value
            instance.__dict__[self.field.loaded_attname] = True
        return value

    def __set__(self, instance, value):
        if isinstance(value, (bytes, memoryview)):
            value = _Ciphertext(bytes(value))
        else:
            value = self.field.to_plain(value)
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.BinaryField):
    description = "Text encrypted with AES-256-GCM under the row's data key"

    def __init__(self, *args, key_field: str = "pii_key", max_length: int | None = None, **kwargs):
        self.key_field = key_field
        self.plain_max_length = max_length
        kwargs["null"] = True
        kwargs["blank"] = kwargs.get("blank", True)
        kwargs["editable"] = kwargs.get("editable", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["key_field"] = self.key_field
        if self.plain_max_length:
            kwargs["max_length"] = self.plain_max_length
        for k in ("null", "editable"):
            kwargs.pop(k, None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        self.loaded_attname = f"_{name}_decrypted"
        setattr(cls, self.attname, _EncryptedDescriptor(self))

    # --- plaintext conversions (subclasses change the type) ---
    def to_plain(self, value):
        return "" if value is None else str(value)

    def to_text(self, value) -> str:
        return value

    def from_text(self, text: str):
        return text

    def empty_value(self):
        return ""

    # --- crypto ---
    def context(self, instance) -> str:
        return f"{instance._meta.db_table}:{instance.pk}:{self.column}"

    def decrypt_for(self, instance, blob: bytes):
        key = getattr(instance, self.key_field)
        if key is None:
            return self.empty_value()
        try:
            return self.from_text(keystore.decrypt(blob=blob, context=self.context(instance), key=key))
        except keystore.KeyUnavailable:
            return self.empty_value()

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, _Ciphertext):
            return bytes(value)
        if value in (None, ""):
            return None
        key = getattr(model_instance, self.key_field)
        if key is None:
            raise ImproperlyConfigured(
                f"{model_instance._meta.label}.{self.name} has no data key: assign {self.key_field} "
                "(clinic.keystore.data_key_get_or_create) before saving. Plaintext is never written."
            )
        return keystore.encrypt(key=key, plaintext=self.to_text(value), context=self.context(model_instance))

    def get_db_prep_value(self, value, connection, prepared=False):
        # pre_save already produced ciphertext; lookups on encrypted columns make no sense.
        if value is None or isinstance(value, (bytes, memoryview)):
            return super().get_db_prep_value(value, connection, prepared)
        raise TypeError(f"{self.name} is encrypted: query it through its blind index, not by value")

    def to_python(self, value):
        if isinstance(value, (bytes, memoryview)):
            return _Ciphertext(bytes(value))
        return self.to_plain(value)

    def value_from_object(self, obj):
        return getattr(obj, self.attname)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else self.to_text(value)

    def formfield(self, **kwargs):
        return forms.CharField(
            required=not self.blank, max_length=self.plain_max_length, label=capfirst(self.verbose_name)
        )


class EncryptedDateField(EncryptedTextField):
    description = "Date encrypted with AES-256-GCM under the row's data key"

    def to_plain(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def to_text(self, value) -> str:
        return value.isoformat()

    def from_text(self, text: str):
        return datetime.date.fromisoformat(text)

    def empty_value(self):
        return None

    def formfield(self, **kwargs):
        return forms.DateField(
            required=not self.blank,
            label=capfirst(self.verbose_name),
            widget=forms.DateInput(attrs={"type": "date"}),
        )
