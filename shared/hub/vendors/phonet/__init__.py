"""Phonet, the cloud PBX (spec/phonet.md): everything the hub knows of Phonet's formats.

`models` are its webhook payloads (§A1–§A3), `answers` what its PBX expects back, `translate` turns its
payloads into the hub's records (its `lgDirection` codes, its recording-link format, its UTM fields),
`webhooks` says who may send them; `client` is its REST API client (§B: authorize, makeCall,
active calls, history, users, and the PBX's own contact book of §B2), `rest` the answers it reads and
`book` the contact book's answers and request bodies.
"""
