"""Medical history, allergies, FHIR records, documents, access-log views, erasure."""
