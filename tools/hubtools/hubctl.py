"""hubctl: the hub's admin CLI. Creates tenants, employees and contacts in AWS or any AWS_ENDPOINT_URL.

Every command prints JSON on stdout; errors print one line of JSON on stderr and exit non-zero (an
import with failed rows prints its report and exits 1). Table names come from TENANTS_TABLE /
CONTACTS_TABLE / CALLS_TABLE, else from the stack name (`{stack}-tenants`, `{stack}-contacts`,
`{stack}-calls`); queues are the stack's (`{stack}-...`). Imports and settings go through the same
domain code as the REST API. Operations (docs/operations.md): `dlq list` / `dlq replay`, `tenant
rotate-token`, `apikey list` / `revoke` / `rotate`, `calls index-numbers` (once, after upgrading).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from pydantic import ValidationError

from hub import wiring
from hub.api.schemas import TenantSettingsPatch
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.imports import import_now
from hub.domain.tenants import (
    TenantContext,
    TenantDirectory,
    add_employee,
    create_api_key,
    create_tenant,
    rotate_webhook_token,
    update_tenant,
)
from hub.errors import BadRequest, HubError, NotFound, validation_summary
from hub.ids import now_ms
from hub.models.contact import MAX_PHONES, ContactType
from hub.models.tenant import Language, Tenant, TenantSettings, Vendor
from hub.secrets import new_password
from hub.store.calls import CallStore
from hub.store.contacts import ContactStore
from hub.store.tenants import TenantStore
from hubtools import dlq

WEBHOOK_PATHS = {
    Vendor.PHONET: [
        "/hooks/phonet/{token}/lookup",
        "/hooks/phonet/{token}/events",
        "/hooks/phonet/{token}/utm",
    ],
    Vendor.AVTODIALER: ["/hooks/avtodialer/{token}/result"],
}


# An unreachable endpoint is reported in seconds, not after botocore's minute-long waits.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})


class Hub:
    """The stores hubctl works on, named by the environment or the stack."""

    def __init__(self, stack: str) -> None:
        self.stack = stack
        client = boto3.client("dynamodb", config=CLIENT_CONFIG)
        self.tables = {
            "TENANTS_TABLE": os.environ.get("TENANTS_TABLE") or f"{stack}-tenants",
            "CONTACTS_TABLE": os.environ.get("CONTACTS_TABLE") or f"{stack}-contacts",
            "CALLS_TABLE": os.environ.get("CALLS_TABLE") or f"{stack}-calls",
        }
        self.tenants = TenantStore(self.tables["TENANTS_TABLE"], client)
        self.contacts = ContactService(ContactStore(self.tables["CONTACTS_TABLE"], client))
        self.calls = CallStore(
            self.tables["CALLS_TABLE"], self.tables["CONTACTS_TABLE"], self.tables["TENANTS_TABLE"], client
        )

    def context(self, slug: str) -> TenantContext:
        return TenantDirectory(self.tenants, ttl_seconds=0).by_slug(slug)

    def sqs(self) -> Any:
        return boto3.client("sqs", config=CLIENT_CONFIG)


def webhook_urls(
    api_url: str, tokens: dict[Vendor, str], vendors: Iterable[Vendor] = tuple(WEBHOOK_PATHS)
) -> dict[str, list[str]]:
    base = api_url.rstrip("/")
    return {
        vendor.value: [base + path.format(token=tokens[vendor]) for path in WEBHOOK_PATHS[vendor]]
        for vendor in vendors
    }


def cmd_tenant_create(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    settings = TenantSettings(phonet_ip_allowlist_enabled=not args.no_ip_allowlist)
    if args.allow_ip:
        settings.phonet_ip_allowlist = TenantSettings(phonet_ip_allowlist=args.allow_ip).phonet_ip_allowlist
    tenant = Tenant(
        slug=args.slug,
        name=args.name or args.slug,
        default_country=args.country,
        timezone=args.timezone,
        language=args.language,
        settings=settings,
    )
    created = create_tenant(hub.tenants, tenant)
    return {
        "tenant": created.tenant.model_dump(mode="json"),
        "webhook_tokens": {vendor.value: token for vendor, token in created.webhook_tokens.items()},
        "webhook_urls": webhook_urls(args.api_url, created.webhook_tokens) if args.api_url else None,
        "note": "the webhook tokens are shown once; only their hashes are stored",
    }


def cmd_tenant_settings(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """Show the settings, or merge a JSON object into them (nested objects key by key) and set the
    language, saved as the REST API saves them: validated as a whole, and refused if someone changed
    them meanwhile."""
    tenant = hub.context(args.slug).tenant
    update: dict[str, Any] = {"language": args.language} if args.language else {}
    if args.changes:
        try:
            changes = json.loads(args.changes)
        except ValueError as exc:
            raise BadRequest(f"settings changes must be a JSON object: {exc}") from exc
        if not isinstance(changes, dict):
            raise BadRequest("settings changes must be a JSON object")
        TenantSettingsPatch.model_validate(changes)  # the REST API's check: an unknown key is an error
        update["settings"] = changes
    if update:
        tenant = update_tenant(hub.tenants, tenant, update)
    return {
        "tenant": args.slug,
        "language": tenant.language.value,
        "settings": tenant.settings.model_dump(mode="json"),
    }


def cmd_user_add(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """With --login and no --password, a password is generated and printed once."""
    context = hub.context(args.tenant)
    password = args.password or (new_password() if args.login else None)
    employee = add_employee(
        hub.tenants,
        context.tenant,
        name=args.name,
        email=args.email,
        ext=args.ext,
        login=args.login,
        password=password,
    )
    result: dict[str, Any] = {"employee": employee.model_dump(mode="json")}
    if password and not args.password:
        result["password"] = password
    return result


def cmd_apikey_create(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    context = hub.context(args.tenant)
    key, secret = create_api_key(hub.tenants, context.tenant, name=args.name)
    return {"api_key": secret, "key": key.model_dump(mode="json"), "note": "the key is shown once"}


def cmd_tenant_rotate_token(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """A new webhook token for one vendor; the old one stops at once, or after --overlap-seconds."""
    context = hub.context(args.slug)
    vendor = Vendor(args.vendor)
    token = rotate_webhook_token(hub.tenants, context.slug, vendor, overlap_ms=args.overlap_seconds * 1000)
    urls = webhook_urls(args.api_url, {vendor: token}, vendors=[vendor]) if args.api_url else None
    return {
        "tenant": context.slug,
        "vendor": vendor.value,
        "webhook_token": token,
        "webhook_urls": urls,
        "old_token": f"refused after {args.overlap_seconds} s" if args.overlap_seconds else "refused now",
        "note": "the token is shown once; warm functions may accept the old one for TenantCacheSeconds more",
    }


def _api_keys(hub: Hub, slug: str) -> list[dict[str, Any]]:
    """Every API key of the tenant's, revoked ones too, page after page."""
    keys, start = [], None
    while True:
        page = hub.tenants.api_key_page(slug, 100, start)
        keys += [key.model_dump(mode="json") for key in page.items]
        if not page.next_start:
            return keys
        start = page.next_start


def cmd_apikey_list(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    context = hub.context(args.tenant)
    return {"tenant": context.slug, "keys": _api_keys(hub, context.slug)}


def _revoke(hub: Hub, slug: str, key_id: str) -> dict[str, Any]:
    """Refused from the next request on: a key is read afresh on every request (live_api_key)."""
    revoked = hub.tenants.revoke_api_key(slug, key_id, now_ms())
    if revoked is None:
        raise NotFound(f"tenant {slug!r} has no API key {key_id!r}", code="unknown_api_key")
    return revoked.model_dump(mode="json")


def cmd_apikey_revoke(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    context = hub.context(args.tenant)
    return {"revoked": _revoke(hub, context.slug, args.key_id)}


def cmd_apikey_rotate(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """A new key under the old one's name, then the old one revoked. For an overlap, `apikey create`
    now and `apikey revoke` once the integration uses the new key."""
    context = hub.context(args.tenant)
    listed = {key["key_id"]: key for key in _api_keys(hub, context.slug)}
    old = listed.get(args.key_id)
    if old is None or old.get("revoked_at"):
        raise NotFound(f"tenant {context.slug!r} has no live API key {args.key_id!r}", code="unknown_api_key")
    key, secret = create_api_key(hub.tenants, context.tenant, name=old["name"])
    return {
        "api_key": secret,
        "key": key.model_dump(mode="json"),
        "revoked": _revoke(hub, context.slug, args.key_id),
        "note": "the key is shown once; the old one is refused from now on",
    }


def cmd_dlq_list(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    queues = dlq.dead_letter_queues(hub.sqs(), hub.stack)
    return {"stack": hub.stack, "queues": [queue.summary() for queue in queues]}


def cmd_dlq_replay(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    if args.max is not None and args.max < 1:
        raise BadRequest("--max must be at least 1")
    sqs = hub.sqs()
    queue = dlq.dead_letter_queue(sqs, hub.stack, args.queue)
    return dlq.replay(sqs, queue, max_messages=args.max, dry_run=args.dry_run, wait_seconds=args.wait)


def _responsible_id(context: TenantContext, key: str | None) -> str | None:
    if not key:
        return None
    employee = context.employee_by_ext_or_email(key)
    if employee is None:
        raise BadRequest(f"no employee with extension or email {key!r}", code="unknown_employee")
    return employee.id


def _external_codes(pairs: Sequence[str]) -> dict[str, str]:
    codes = {}
    for pair in pairs:
        vendor, sep, code = pair.partition("=")
        if not sep or not vendor.strip() or not code.strip():
            raise BadRequest(f"external code must be VENDOR=CODE, got {pair!r}", code="bad_external_code")
        codes[vendor.strip()] = code.strip()
    return codes


def cmd_contact_add(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    context = hub.context(args.tenant)
    data = ContactInput(
        type=args.type,
        name=args.name,
        company=args.company,
        description=args.description,
        email=args.email,
        phones=[PhoneInput(number=phone) for phone in args.phone],
        external_codes=_external_codes(args.external),
        responsible_employee_id=_responsible_id(context, args.responsible),
        source=args.source,
    )
    contact = hub.contacts.create(context, data, created_by="hubctl")
    return {"contact": contact.model_dump(mode="json")}


CSV_FIELDS = ("type", "name", "company", "description", "email", "address", "www", "source")
CSV_DELIMITERS = ",;\t"


def contact_input_from_row(context: TenantContext, row: dict[str, str]) -> ContactInput:
    """One CSV row: `phone` (several separated by `;`), or `phone1..phone10` with `phone_remark1..10`;
    `responsible` is an extension or email; `ext:VENDOR` columns carry external codes."""
    row = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
    phones = [PhoneInput(number=n) for n in row.get("phone", "").split(";") if n.strip()]
    for i in range(1, MAX_PHONES + 1):
        if row.get(f"phone{i}"):
            phones.append(PhoneInput(number=row[f"phone{i}"], remark=row.get(f"phone_remark{i}") or None))
    codes = {key[4:]: value for key, value in row.items() if key.startswith("ext:") and value}
    # Only what the row gives: an empty cell leaves the merged contact's field as it is.
    fields: dict[str, Any] = {name: row[name] for name in CSV_FIELDS if row.get(name)}
    return ContactInput(
        **fields,
        phones=phones,
        external_codes=codes,
        responsible_employee_id=_responsible_id(context, row.get("responsible")),
    )


def _known_column(name: str) -> bool:
    name = name.strip().lower()
    numbered = name.removeprefix("phone_remark").removeprefix("phone")
    return (
        name in CSV_FIELDS
        or name in ("phone", "responsible")
        or name.startswith("ext:")
        or (name.startswith("phone") and numbered.isdigit())
    )


def decode_csv(raw: bytes) -> str:
    """The file's text as spreadsheet programs in UA/RU save it: UTF-8 with or without a BOM,
    UTF-16 with a BOM ("Unicode text"), else Windows-1251."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw.decode("utf-8-sig")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1251")


def read_csv(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The file's rows and its header. The separator (`,`, `;` or tab) is sniffed from the header
    line: a `;` in a comma file's phone cell cannot mislead it."""
    text = decode_csv(path.read_bytes())
    header = text.lstrip().partition("\n")[0]
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [name for name in reader.fieldnames or [] if name]
    if not any(_known_column(name) for name in columns):
        raise BadRequest(
            f"the file's header has no known column (got {columns[:5]!r}); expected e.g. name, phone, "
            "ext:VENDOR, separated by ',', ';' or tabs",
            code="unknown_columns",
        )
    return list(reader), columns


def import_rows(hub: Hub, context: TenantContext, rows: Iterable[dict[str, str]]) -> dict[str, Any]:
    """Each row merged as POST /api/v1/contacts/import with `merge` does it: into the contact holding
    its external code, else its number, or a new one; importing a file twice creates nobody twice.
    A bad row does not stop the rest; it is reported with its line number."""
    errors: list[dict[str, Any]] = []
    lines: list[int] = []
    inputs: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):
        try:
            data = contact_input_from_row(context, row)
        except HubError as exc:
            errors.append({"line": line, "code": exc.code, "message": exc.message})
            continue
        except ValidationError as exc:
            errors.append({"line": line, "code": "bad_request", "message": validation_summary(exc, limit=1)})
            continue
        lines.append(line)
        inputs.append(data.model_dump(mode="json", exclude_unset=True))
    # The REST API's import, applied at once: hubctl has no gateway limit and keeps no job.
    results = import_now(hub.contacts, context, inputs, merge=True, created_by="hubctl-import")
    for line, result in zip(lines, results, strict=True):
        if result.status == "failed" and result.error:
            errors.append({"line": line, "code": result.error["code"], "message": result.error["message"]})
    counts = {s: sum(1 for r in results if r.status == s) for s in ("created", "updated", "unchanged")}
    return {**counts, "failed": len(errors), "errors": sorted(errors, key=lambda e: e["line"])}


def cmd_contact_import(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    context = hub.context(args.tenant)
    rows, columns = read_csv(Path(args.file))
    result = import_rows(hub, context, rows)
    ignored = [name for name in columns if not _known_column(name)]
    return {**result, "ignored_columns": ignored} if ignored else result


def cmd_phonet_import(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """The tenant's Phonet contact book merged by its `phonet` codes, as POST
    /imports/phonet-contacts does but applied at once: the book read with the tenant's stored Phonet
    credentials (the stack's SSM parameters), each row through the one import path."""
    for name, table in hub.tables.items():  # the wiring reads the function's environment
        os.environ.setdefault(name, table)
    os.environ.setdefault("CREDENTIALS_PARAMETER_PREFIX", f"/telephony-hub/{args.stack}")
    wiring.reset()
    context = hub.context(args.tenant)
    read = wiring.phonet_book_rows(context)
    results = import_now(
        hub.contacts, context, read.rows, merge=True, created_by="hubctl-phonet-import", source="phonet"
    )
    counts = {
        s: sum(1 for r in results if r.status == s) for s in ("created", "updated", "unchanged", "failed")
    }
    errors = [
        {"row": r.row, "code": r.error["code"], "message": r.error["message"]}
        for r in results
        if r.status == "failed" and r.error
    ]
    skipped = [{"ref": ref, "code": code, "message": message} for ref, code, message in read.skipped]
    return {**counts, "skipped": len(skipped), "skipped_rows": skipped, "errors": errors}


def cmd_calls_index_numbers(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """Once after upgrading: the call log's number filter finds the calls saved before it existed."""
    context = hub.context(args.tenant)
    return {"tenant": context.slug, "indexed": hub.calls.index_numbers(context.slug)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hubctl", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default=os.environ.get("HUB_STACK_NAME", "telephony-hub"))
    sub = parser.add_subparsers(dest="area", required=True)

    tenant = sub.add_parser("tenant").add_subparsers(dest="action", required=True)
    create = tenant.add_parser("create", help="create a tenant and print its webhook tokens (shown once)")
    create.add_argument("slug")
    create.add_argument("--name")
    create.add_argument("--country", default="UA", help="default country for local numbers (ISO code)")
    create.add_argument("--timezone", default="Europe/Kyiv")
    create.add_argument("--language", default=Language.RU.value, choices=[lang.value for lang in Language])
    create.add_argument(
        "--no-ip-allowlist", action="store_true", help="accept Phonet webhooks from any address"
    )
    create.add_argument(
        "--allow-ip", action="append", help="replace Phonet's addresses (repeatable, CIDR ok)"
    )
    create.add_argument("--api-url", default=os.environ.get("HUB_API_URL"), help="to print webhook URLs")
    create.set_defaults(run=cmd_tenant_create)
    settings = tenant.add_parser("settings", help="show or change a tenant's settings")
    settings.add_argument("slug")
    settings.add_argument(
        "changes", nargs="?", help="a JSON object to merge, e.g. '{\"leads_from_outbound\": true}'"
    )
    settings.add_argument(
        "--language", choices=[lang.value for lang in Language], help="the pages' and call notes' language"
    )
    settings.set_defaults(run=cmd_tenant_settings)
    rotate = tenant.add_parser(
        "rotate-token", help="replace a vendor's webhook token (the new one is printed once)"
    )
    rotate.add_argument("slug")
    rotate.add_argument("--vendor", required=True, choices=[v.value for v in WEBHOOK_PATHS])
    rotate.add_argument(
        "--overlap-seconds",
        type=int,
        default=0,
        help="keep the old token working this long (0: refused now, for a leaked token)",
    )
    rotate.add_argument("--api-url", default=os.environ.get("HUB_API_URL"), help="to print webhook URLs")
    rotate.set_defaults(run=cmd_tenant_rotate_token)

    user = sub.add_parser("user").add_subparsers(dest="action", required=True)
    add_user = user.add_parser("add", help="add an employee")
    add_user.add_argument("--tenant", required=True)
    add_user.add_argument("--name", required=True)
    add_user.add_argument("--email")
    add_user.add_argument("--ext", help="PBX extension, e.g. 001")
    add_user.add_argument("--login", help="login for the hub's pages and TelefUM")
    add_user.add_argument("--password", help="default: generated and printed once")
    add_user.set_defaults(run=cmd_user_add)

    apikey = sub.add_parser("apikey").add_subparsers(dest="action", required=True)
    create_key = apikey.add_parser("create", help="create a tenant API key (printed once)")
    create_key.add_argument("--tenant", required=True)
    create_key.add_argument("--name", default="")
    create_key.set_defaults(run=cmd_apikey_create)
    list_keys = apikey.add_parser("list", help="a tenant's API keys (never their secrets)")
    list_keys.add_argument("--tenant", required=True)
    list_keys.set_defaults(run=cmd_apikey_list)
    revoke_key = apikey.add_parser("revoke", help="revoke an API key: refused from the next request on")
    revoke_key.add_argument("--tenant", required=True)
    revoke_key.add_argument("key_id")
    revoke_key.set_defaults(run=cmd_apikey_revoke)
    rotate_key = apikey.add_parser("rotate", help="a new key under the old one's name, the old one revoked")
    rotate_key.add_argument("--tenant", required=True)
    rotate_key.add_argument("key_id")
    rotate_key.set_defaults(run=cmd_apikey_rotate)

    queues = sub.add_parser("dlq").add_subparsers(dest="action", required=True)
    list_dlqs = queues.add_parser("list", help="the stack's dead-letter queues, their depth and source")
    list_dlqs.set_defaults(run=cmd_dlq_list)
    replay = queues.add_parser(
        "replay", help="move a dead-letter queue's messages back to their source queue"
    )
    replay.add_argument("queue", help="the DLQ's name, URL or a part of its name (Leads, CallNotes, ...)")
    replay.add_argument("--max", type=int, help="move at most this many (hubctl moves them itself)")
    replay.add_argument("--dry-run", action="store_true", help="list what would move, move nothing")
    replay.add_argument("--wait", type=int, default=1, help="seconds each receive waits for messages")
    replay.set_defaults(run=cmd_dlq_replay)

    contact = sub.add_parser("contact").add_subparsers(dest="action", required=True)
    add_contact = contact.add_parser("add", help="add a contact")
    add_contact.add_argument("--tenant", required=True)
    add_contact.add_argument("--name")
    add_contact.add_argument("--phone", action="append", default=[], help="repeatable")
    add_contact.add_argument(
        "--type", default=ContactType.CONTACT.value, choices=[t.value for t in ContactType]
    )
    add_contact.add_argument("--company")
    add_contact.add_argument("--description")
    add_contact.add_argument("--email")
    add_contact.add_argument("--source")
    add_contact.add_argument("--responsible", help="the responsible employee's extension or email")
    add_contact.add_argument("--external", action="append", default=[], help="VENDOR=CODE, repeatable")
    add_contact.set_defaults(run=cmd_contact_add)
    imp = contact.add_parser("import", help="import contacts from a CSV file (merged by external code)")
    imp.add_argument("--tenant", required=True)
    imp.add_argument("file")
    imp.set_defaults(run=cmd_contact_import)
    book = contact.add_parser(
        "phonet-import", help="import the tenant's Phonet contact book (merged by its phonet codes)"
    )
    book.add_argument("--tenant", required=True)
    book.set_defaults(run=cmd_phonet_import)

    calls = sub.add_parser("calls").add_subparsers(dest="action", required=True)
    index = calls.add_parser(
        "index-numbers", help="index the calls saved before the call log's number filter (run once)"
    )
    index.add_argument("--tenant", required=True)
    index.set_defaults(run=cmd_calls_index_numbers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.run(Hub(args.stack), args)
    except (HubError, ValidationError, OSError, BotoCoreError, ClientError) as exc:
        print(json.dumps({"error": _describe(exc)}, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 1 if result.get("failed") else 0


def _describe(exc: Exception) -> dict[str, Any]:
    """One line an operator can act on, never a traceback."""
    if isinstance(exc, HubError) and isinstance(exc.__cause__, BotoCoreError):
        exc = exc.__cause__  # the stores' Unavailable: botocore's own words name the endpoint
    if isinstance(exc, HubError):
        return {"code": exc.code, "message": exc.message, "details": exc.details}
    if isinstance(exc, ValidationError):
        return {"code": "bad_request", "message": validation_summary(exc)}
    if isinstance(exc, NoRegionError):
        return {
            "code": "no_region",
            "message": "no AWS region: set AWS_DEFAULT_REGION (or a region in the AWS profile)",
        }
    if isinstance(exc, NoCredentialsError):
        return {"code": "no_credentials", "message": "no AWS credentials: set AWS_PROFILE or access keys"}
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return {"code": "aws_error", "message": f"{error.get('Code', 'error')}: {error.get('Message', exc)}"}
    if isinstance(exc, BotoCoreError):  # e.g. EndpointConnectionError: the endpoint is unreachable
        return {"code": "aws_unreachable", "message": str(exc)}
    return {"code": "io_error", "message": str(exc)}


if __name__ == "__main__":
    sys.exit(main())
