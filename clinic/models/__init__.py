from clinic.models.audit import AccessLog, AccessType
from clinic.models.billing import Invoice, InvoiceLine, InvoiceStatus
from clinic.models.catalogue import GST_RATES, Package, PackageItem, Service, ServiceCategory
from clinic.models.keystore import DataKey, DataKeyPurpose
from clinic.models.messaging import MessageChannel, MessageKind, MessageLog, MessageStatus
from clinic.models.organisation import (
    Branch,
    Hospital,
    NumberSequence,
    Room,
    RoomType,
    Staff,
    StaffType,
    Weekday,
)
from clinic.models.patients import Patient, PatientSearchToken, Sex, SpecialGroup
from clinic.models.pharmacy import DosageForm, Medicine, StockBatch

__all__ = [
    "GST_RATES",
    "AccessLog",
    "AccessType",
    "Branch",
    "DataKey",
    "DataKeyPurpose",
    "DosageForm",
    "Hospital",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Medicine",
    "MessageChannel",
    "MessageKind",
    "MessageLog",
    "MessageStatus",
    "NumberSequence",
    "Package",
    "PackageItem",
    "Patient",
    "PatientSearchToken",
    "Room",
    "RoomType",
    "Service",
    "ServiceCategory",
    "Sex",
    "SpecialGroup",
    "Staff",
    "StaffType",
    "StockBatch",
    "Weekday",
]
