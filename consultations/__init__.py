"""Consultation workflow, vitals, SOAP notes, diagnoses, prescriptions, dispensing, PDF."""
