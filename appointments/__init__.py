"""Schedules, slots, bookings, rooms and therapists as resources, approvals, reminders (issue 3)."""
