"""Patient self-service portal: OTP login, bookings, records, feedback."""
