"""Shared kernel: organisation, staff, patients, rooms, catalogue, medicines and stock, invoices,
the encryption keystore and the access log. Imports no other app of ours."""
