"""TelefUM, the softphone (spec/telefum.md): the CRM API the hub serves it. `request` reads its
parameters and vocabulary (contact types, event kinds), `answers` writes its XML and its errors."""
