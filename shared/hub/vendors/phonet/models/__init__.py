"""Phonet's webhook payloads and answers (spec/phonet.md §A), as its PBX sends and expects them.

One module per exchange, so a function builds only the models it reads: `call_settings` (§A1, the
lookup while the phone rings), `call_events` (§A2), `utm_labels` (§A3).
"""

UUID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
