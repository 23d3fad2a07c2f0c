"""Tenants (organizations) and their employees."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from hub.phones import is_supported_country

# Phonet's published webhook senders (spec/phonet.md §A): the default allowlist for its webhooks.
PHONET_SOURCE_IPS = (
    "89.184.65.208",
    "89.184.82.130",
    "89.184.67.228",
    "89.184.82.191",
    "89.184.65.137",
    "95.213.132.131",
)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
# Logins become DynamoDB keys (LOGIN#, LOGINFAIL#): bounded well below the 1,024-byte key limit.
LOGIN_MAX_LENGTH = 100


def login_key(raw: str | None) -> str:
    """How a login is compared and keyed: trimmed and lower-cased, "" for none. A longer one than any
    login may be is a ValueError, before any key is built from it."""
    login = (raw or "").strip().lower()
    if len(login) > LOGIN_MAX_LENGTH:
        raise ValueError(f"a login is at most {LOGIN_MAX_LENGTH} characters")
    return login


class Vendor(StrEnum):
    PHONET = "phonet"
    AVTODIALER = "avtodialer"
    OBZVONILKA = "obzvonilka"
    TELEFUM = "telefum"


class Language(StrEnum):
    """The languages the pages, Phonet's pop-up link and the CRM's call notes speak."""

    RU = "ru"
    EN = "en"
    UK = "uk"


# Where each vendor's users are: their numbers come in that country's domestic form (Avtodialer and
# Obzvonilka dial Russian `8XXXXXXXXXX`, Phonet is a Ukrainian PBX), tried after the tenant's own country.
VENDOR_HOME_COUNTRY = {Vendor.PHONET: "UA", Vendor.AVTODIALER: "RU", Vendor.OBZVONILKA: "RU"}

NumberFormat = Literal["domestic", "international", "e164"]
"""How a dialer account wants numbers (avtodialer.md Notes): `domestic` is Russia's and
Kazakhstan's `8` + national number (`89222220000`), other countries' international digits;
`international` is the digits without `+` (`79222220000`); `e164` is as the hub keeps them."""

FieldNames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    BeforeValidator(lambda value: [value] if isinstance(value, str) else value),
    Field(min_length=1, max_length=10),
]
"""The names one of our fields may come under, first present wins; a single name is taken too."""


class AvtodialerFields(BaseModel):
    """Which of Avtodialer's webhook fields carries what (spec/avtodialer.md §4). The names are set in
    Avtodialer's cabinet; the defaults take both the spec's (the seed's words) and the seed's example's."""

    model_config = ConfigDict(extra="ignore")

    phone: FieldNames = Field(default_factory=lambda: ["phone", "Номер_абонента"])
    duration: FieldNames = Field(default_factory=lambda: ["duration", "Продолжительность_вызова"])
    record: FieldNames = Field(default_factory=lambda: ["record", "Запись(wav)"])
    answer: FieldNames = Field(default_factory=lambda: ["answer", "распознанный_ответ_человека"])
    uuid: FieldNames = Field(default_factory=lambda: ["UUID"])
    code: FieldNames = Field(default_factory=lambda: ["code"])
    query_id: FieldNames = Field(default_factory=lambda: ["query_id"])


BookField = Literal["first_name", "last_name", "phone", "email", "company", "category"]
# Phonet's contact book: which `enumCode` fills which hub field. The seed's Russian codes, their
# Ukrainian and English twins; an account with other codes sets its own (TenantSettings).
PHONET_BOOK_FIELDS: dict[str, BookField] = {
    "Имя": "first_name",
    "Ім'я": "first_name",
    "First name": "first_name",
    "Фамилия": "last_name",
    "Прізвище": "last_name",
    "Last name": "last_name",
    "Телефон": "phone",
    "Phone": "phone",
    "Email": "email",
    "Електронна пошта": "email",
    "Компания": "company",
    "Компанія": "company",
    "Company": "company",
    "Категория": "category",
    "Категорія": "category",
    "Category": "category",
}


class TenantSettings(BaseModel):
    """What a tenant may change about how the hub treats it."""

    model_config = ConfigDict(extra="ignore")

    phonet_ip_allowlist_enabled: bool = True
    phonet_ip_allowlist: list[str] = Field(default_factory=lambda: list(PHONET_SOURCE_IPS))
    # Phonet records each side separately (`{uuid}-rx`, `{uuid}-tx`) besides the mixed recording.
    phonet_split_recording: bool = False
    # Unknown callers become leads; unknown numbers the tenant dials do not, unless asked for.
    leads_from_inbound: bool = True
    leads_from_outbound: bool = False
    # The tenant's own lines (E.164): never a customer, never a lead.
    own_numbers: list[str] = Field(default_factory=list)
    # Avtodialer's result webhook: its field names are set in Avtodialer's cabinet, so they are
    # mapped here (our name -> theirs).
    avtodialer_fields: AvtodialerFields = Field(default_factory=lambda: AvtodialerFields())
    leads_from_avtodialer: bool = False
    # Where this tenant's users open the hub's pages (its own domain); empty: the deployment's.
    public_base_url: str | None = Field(default=None, max_length=300, pattern=r"^https?://[^\s/?#]+[^\s?#]*$")
    # Phonet's contact book: enumCode -> hub field (codes differ per account; unmapped ones are kept
    # on the contact as extra fields).
    phonet_book_fields: dict[Annotated[str, Field(min_length=1, max_length=100)], BookField] = Field(
        default_factory=lambda: dict(PHONET_BOOK_FIELDS), max_length=100
    )
    # Every ended external call written back as a note on the caller's contact in Phonet's own
    # contact book (hub.domain.call_notes); off until the tenant asks, as it writes into their PBX.
    phonet_call_notes: bool = False
    # Phonet's contact book kept in step with the hub's contacts (the `phonet_contacts` sync: hub
    # changes pushed, book changes read back); off until the tenant asks, as it writes into their PBX.
    phonet_book_sync: bool = False

    @field_validator("phonet_ip_allowlist")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry.strip(), strict=False)
        return [entry.strip() for entry in value]

    def allows_phonet_ip(self, source_ip: str | None) -> bool:
        """The PBX's address comes from the request context; a missing one fails closed."""
        if not self.phonet_ip_allowlist_enabled:
            return True
        if not source_ip:
            return False
        try:
            address = ipaddress.ip_address(source_ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in self.phonet_ip_allowlist)


class Tenant(BaseModel):
    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    default_country: str = "UA"
    timezone: str = "Europe/Kyiv"
    language: Language = Language.RU
    settings: TenantSettings = Field(default_factory=TenantSettings)
    # Signs this tenant's page sessions: a cookie of one tenant never validates at another.
    session_key: str = Field(default="", exclude=True, repr=False)
    created_at: int = 0
    updated_at: int = 0

    @field_validator("default_country")
    @classmethod
    def _country(cls, value: str) -> str:
        if not is_supported_country(value):
            raise ValueError(f"unknown country code {value!r}")
        return value.upper()

    def phone_fallbacks(self, vendor: Vendor) -> tuple[str, ...]:
        """The countries a vendor's numbers are read in after the tenant's own."""
        home = VENDOR_HOME_COUNTRY.get(vendor)
        return (home,) if home and home != self.default_country else ()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Employee(BaseModel):
    """A person who takes calls: the PBX knows them by extension, the CRM by email."""

    id: str
    tenant: str
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    ext: str | None = Field(default=None, max_length=20)
    # Logs in to the hub's pages and TelefUM's API; unique within the tenant.
    login: str | None = Field(default=None, max_length=LOGIN_MAX_LENGTH)
    password_hash: str | None = Field(default=None, exclude=True, repr=False)
    # The same person in Obzvonilka's users directory (spec/obzvonilka.md).
    obzvonilka_user_id: str | None = Field(default=None, max_length=40)
    # A deactivated employee keeps their history but cannot sign in and is not routed to.
    active: bool = True
    created_at: int = 0
    updated_at: int = 0

    def credentials_differ(self, other: Employee) -> bool:
        """A changed password, login or activity ends the employee's sessions."""
        mine = (self.password_hash, self.login, self.active)
        return mine != (other.password_hash, other.login, other.active)


class ApiKey(BaseModel):
    """A tenant's API key as stored: the secret itself is shown once, at creation, and never kept."""

    key_id: str
    tenant: str
    name: str = Field(default="", max_length=100)
    prefix: str
    created_at: int = 0
    revoked_at: int | None = None


class VendorCredentials(BaseModel):
    """What the hub needs to call a vendor's REST API for a tenant (spec/*.md), as one vendor's shape
    (`credentials_for`). Write-only: kept as a secret (hub.ports.VendorSecrets), never in a table,
    never read back through the API or logged; errors never echo it (`hide_input_in_errors`).
    `base_url` lets the local fakes and tests stand in for the vendor."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    api_key: str = Field(min_length=1, max_length=500, repr=False)
    base_url: str | None = Field(default=None, max_length=300)

    @field_validator("base_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL with a host and no query or fragment")
        if parts.username or parts.password:
            raise ValueError("must not carry a user or password")
        return value.strip().rstrip("/")

    def target_url(self) -> str | None:
        """Where the hub's requests for this account go, when the shape says (the prod rules check it)."""
        return self.base_url


class PhonetCredentials(VendorCredentials):
    """Phonet (phonet.md §B): the PBX domain (`{account}.phonet.com.ua`) and its API key; requests go
    to `https://{domain}` unless `base_url` says otherwise."""

    domain: str = Field(max_length=253, pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}$")

    def target_url(self) -> str:
        return self.base_url or f"https://{self.domain}"


class AvtodialerCredentials(VendorCredentials):
    """Avtodialer (avtodialer.md): its site, the key its URLs carry (`{base_url}/{api_key}/make`) and
    the `access_token` its JSON bodies carry; `number_format` is how the account wants numbers
    written (the spec's default: the domestic `8...` form)."""

    base_url: str = Field(max_length=300)  # type: ignore[assignment]  # required here
    access_token: str = Field(min_length=1, max_length=500, repr=False)
    number_format: NumberFormat = "domestic"


class ObzvonilkaCredentials(VendorCredentials):
    """Obzvonilka (obzvonilka.md): its API key; `base_url` when the service lives elsewhere."""


CREDENTIAL_SHAPES: dict[Vendor, type[VendorCredentials]] = {
    Vendor.PHONET: PhonetCredentials,
    Vendor.AVTODIALER: AvtodialerCredentials,
    Vendor.OBZVONILKA: ObzvonilkaCredentials,
}


def credentials_for(vendor: Vendor, data: Any) -> VendorCredentials:
    """`data` read as `vendor`'s credentials: a pydantic ValidationError names the fields (never their
    values); a vendor the hub never calls (TelefUM calls the hub) is a ValueError."""
    shape = CREDENTIAL_SHAPES.get(vendor)
    if shape is None:
        raise ValueError(f"the hub calls no API of {vendor.value}: there are no credentials to store")
    return shape.model_validate(data)


def private_target_problem(url: str) -> str | None:
    """Why the production hub must not send a tenant's requests to `url`, or None: only https, and
    never a host inside the hub's own network (a private, loopback, link-local or reserved address,
    `localhost`, or a number the resolver would read as an address, like `2130706433` or `127.1`).
    A DNS name is not resolved here: what it points at may change after it was checked."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "must be an https URL"
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast or address.is_reserved:
            return "must not point at a private, loopback, link-local or reserved address"
        return None
    if host == "localhost" or host.endswith(".localhost") or "." not in host:
        return "must name a public host"
    if not re.fullmatch(r"[a-z][a-z0-9-]*", host.rsplit(".", 1)[1]):
        return "must name a public host (a top-level domain is letters)"
    return None
