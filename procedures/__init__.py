"""Procedure orders, sessions, consent forms, photos, consumables."""
