"""The back office (UX.md): one module per area of the clinic; importing them registers the admins."""

from clinic.admin import audit, billing, catalogue, organisation, otp, patients, pharmacy

__all__ = ["audit", "billing", "catalogue", "organisation", "otp", "patients", "pharmacy"]
