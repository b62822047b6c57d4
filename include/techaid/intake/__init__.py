"""Intake: discover files in the landing area, version them, read and normalize them."""
