"""Loopback stand-ins for outside services (WhatsApp Cloud API, ...), started by fixtures."""
