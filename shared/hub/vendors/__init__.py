"""One package per vendor: everything one vendor means lives in its folder, and only there.

A vendor's package holds its payload models, the answers it expects, the translation of its payloads
into the hub's own records (`hub.models`, `hub.domain`'s dataclasses) and its HTTP client (the rules
all clients share are in `hub.vendors.http`). The domain receives the hub's records and never imports
a vendor package; handlers (`functions/*`) and edges do, to parse a request and shape the answer.
"""
