"""The composition root: builds the stores, directories and services a function uses, once per warm
container and on first use. Only the functions' handlers (functions/*/app.py) import it; they pass
what they built to the code they call, which never looks anything up here."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING

from hub.config import get_settings

# Every function's stores are DynamoDB's: boto3 is imported here, at init (inside a SnapStart snapshot),
# while the client itself is made on first use.
from hub.store.dynamo import default_client

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from hub.domain.attribution import AttributionService, UtmIntake
    from hub.domain.auth import Authenticator, PageSessions
    from hub.domain.call_log import CallLog
    from hub.domain.call_notes import CallNotes, NoteRequest
    from hub.domain.calls import CallService, LeadRequest
    from hub.domain.campaigns import CampaignService
    from hub.domain.cards import ContactCards
    from hub.domain.contacts import ContactService
    from hub.domain.dialing import Dialing
    from hub.domain.do_not_call import DoNotCallList
    from hub.domain.imports import ImportService, SourceRows
    from hub.domain.lookup import CallerLookup
    from hub.domain.sync import SyncBoard, SyncService
    from hub.domain.team import Team
    from hub.domain.tenants import TenantContext, TenantDirectory, TenantService
    from hub.models.call import Call
    from hub.store.calls import CallStore, WebhookLog
    from hub.store.campaigns import CampaignStore
    from hub.store.contacts import ContactStore
    from hub.store.do_not_call import DoNotCallStore
    from hub.store.imports import ImportJobStore
    from hub.store.queues import QueuePublisher
    from hub.store.sync import SyncStore
    from hub.store.tenants import TenantStore
    from hub.store.vendor_secrets import VendorSecretStore
    from hub.store.vendor_sessions import DynamoSessionCache
    from hub.vendors.accounts import VendorAccountsFromSecrets
    from hub.vendors.http import HttpPolicy

# The domain's and the stores' modules are imported on first use, in the factory that builds from
# them: each function pays only for the services it calls (the lookup never loads the call merge).


@cache
def tenant_store() -> TenantStore:
    from hub.store.tenants import TenantStore

    return TenantStore(get_settings().tenants_table)


@cache
def contact_store() -> ContactStore:
    from hub.store.contacts import ContactStore

    return ContactStore(get_settings().contacts_table)


@cache
def do_not_call_store() -> DoNotCallStore:
    from hub.store.do_not_call import DoNotCallStore

    return DoNotCallStore(get_settings().contacts_table)


@cache
def do_not_call() -> DoNotCallList:
    from hub.domain.do_not_call import DoNotCallList

    return DoNotCallList(do_not_call_store())


@cache
def tenant_directory() -> TenantDirectory:
    from hub.domain.tenants import TenantDirectory

    return TenantDirectory(tenant_store(), ttl_seconds=get_settings().tenant_cache_seconds)


@cache
def authenticator() -> Authenticator:
    from hub.domain.auth import Authenticator

    return Authenticator(tenant_store())


@cache
def tenant_service() -> TenantService:
    from hub.domain.tenants import TenantService

    settings = get_settings()
    return TenantService(
        tenant_store(),
        tenant_directory(),
        vendor_secrets(),
        public_vendor_urls_only=settings.public_vendor_urls_only,
    )


@cache
def vendor_secrets() -> VendorSecretStore:
    from hub.store.vendor_secrets import VendorSecretStore

    settings = get_settings()
    return VendorSecretStore(
        settings.credentials_parameter_prefix, max_age=settings.credentials_cache_seconds
    )


@cache
def page_sessions() -> PageSessions:
    from hub.domain.auth import PageSessions

    return PageSessions(tenant_store())


@cache
def call_store() -> CallStore:
    from hub.store.calls import CallStore

    settings = get_settings()
    return CallStore(settings.calls_table, settings.contacts_table, settings.tenants_table)


@cache
def webhook_log() -> WebhookLog:
    from hub.store.calls import WebhookLog

    return WebhookLog(get_settings().webhook_log_table)


@cache
def leads_queue() -> QueuePublisher:
    from hub.store.queues import QueuePublisher

    settings = get_settings()
    return QueuePublisher(settings.leads_queue_url, delay_seconds=settings.leads_queue_delay_seconds)


@cache
def utm_queue() -> QueuePublisher:
    from hub.store.queues import QueuePublisher

    return QueuePublisher(get_settings().utm_queue_url, delay_seconds=0)


def _request_lead(request: LeadRequest) -> None:
    leads_queue().send(request)


@cache
def call_notes_queue() -> QueuePublisher:
    from hub.store.queues import QueuePublisher

    return QueuePublisher(get_settings().call_notes_queue_url, delay_seconds=0)


def _request_note(request: NoteRequest) -> None:
    """One message group per call: its notes are written one at a time (hub.domain.call_notes)."""
    call_notes_queue().send(
        request,
        group=f"{request.tenant}:{request.call_uuid}",
        deduplication=f"{request.tenant}:{request.call_uuid}:{request.version}",
    )


@cache
def call_notes() -> CallNotes:
    from hub.domain.call_notes import CallNotes

    return CallNotes(call_store(), contact_store(), worker_vendor_accounts().call_notes)


def _robot_call_outcome(context: TenantContext, call: Call) -> None:
    """A robot call's result on its dial batch's counts (built only when a robot call comes)."""
    campaign_service().record_outcome(context, call)


@cache
def call_service() -> CallService:
    from hub.domain.calls import CallService

    return CallService(
        call_store(),
        contact_store(),
        _request_lead,
        deliveries=webhook_log(),
        robot_outcomes=_robot_call_outcome,
        request_note=_request_note,
    )


@cache
def caller_lookup() -> CallerLookup:
    from hub.domain.lookup import CallerLookup

    return CallerLookup(contact_store())


@cache
def utm_intake() -> UtmIntake:
    from hub.domain.attribution import UtmIntake

    return UtmIntake(utm_queue().send_all, deliveries=webhook_log())


@cache
def contact_service() -> ContactService:
    from hub.domain.contacts import ContactService

    return ContactService(contact_store())


@cache
def call_log() -> CallLog:
    from hub.domain.call_log import CallLog

    return CallLog(call_store())


@cache
def contact_cards() -> ContactCards:
    from hub.domain.cards import ContactCards

    return ContactCards(contact_service(), call_log(), tenant_service())


@cache
def attribution_service() -> AttributionService:
    from hub.domain.attribution import AttributionService

    return AttributionService(call_service(), call_store(), contact_store(), contact_store())


@cache
def import_job_store() -> ImportJobStore:
    from hub.store.imports import ImportJobStore

    return ImportJobStore(get_settings().imports_table)


@cache
def import_queue() -> QueuePublisher:
    from hub.store.queues import QueuePublisher

    return QueuePublisher(get_settings().import_queue_url, delay_seconds=0)


@cache
def import_service() -> ImportService:
    from hub.domain.imports import ImportService

    return ImportService(contact_service(), import_job_store(), import_queue().send_all)


def phonet_book_rows(context: TenantContext, accounts: VendorAccountsFromSecrets | None = None) -> SourceRows:
    """The tenant's whole Phonet contact book, page after page of 60, as import rows: its enumCodes
    mapped by the tenant's settings, responsible users by the employees the users sync manages."""
    from hub.domain.imports import SourceRows
    from hub.domain.sync import Source
    from hub.vendors.phonet.contact_book import book_rows, employees_by_user

    client = (accounts or worker_vendor_accounts()).contact_book(context.slug)
    cursor = sync_store().read(context.slug, Source.PHONET_USERS.value)
    managed = json.loads(cursor.position).get("managed", {}) if cursor else {}
    contacts = (contact for page in client.book_contact_pages() for contact in page.rows)
    read = book_rows(
        contacts,
        context.tenant.settings.phonet_book_fields,
        context.tenant.default_country,
        employees_by_user(managed),
    )
    return SourceRows(read.rows, [(s.ref, s.code, s.message) for s in read.skipped])


@cache
def phonet_session_cache() -> DynamoSessionCache:
    from hub.store.vendor_sessions import DynamoSessionCache

    return DynamoSessionCache(get_settings().tenants_table)


def _vendor_accounts(policy: HttpPolicy) -> VendorAccountsFromSecrets:
    from hub.vendors.accounts import VendorAccountsFromSecrets

    return VendorAccountsFromSecrets(
        vendor_secrets(),
        lambda slug: tenant_directory().by_slug(slug).tenant,
        phonet_session_cache(),
        policy,
    )


@cache
def vendor_accounts() -> VendorAccountsFromSecrets:
    """The tenants' vendor clients for request handlers: short timeouts (API Gateway waits 29 s)."""
    from hub.vendors.accounts import REQUEST_POLICY

    return _vendor_accounts(REQUEST_POLICY)


@cache
def worker_vendor_accounts() -> VendorAccountsFromSecrets:
    """The tenants' vendor clients for queue workers and schedules: the clients' longer defaults."""
    from hub.vendors.accounts import WORKER_POLICY

    return _vendor_accounts(WORKER_POLICY)


@cache
def page_vendor_accounts() -> VendorAccountsFromSecrets:
    """The tenants' vendor clients for the pages' live views: a short wait and no retry (a person
    is looking at the page; a reload is the retry)."""
    from hub.vendors.accounts import PAGE_POLICY

    return _vendor_accounts(PAGE_POLICY)


@cache
def team() -> Team:
    from hub.domain.team import Team

    return Team(tenant_service(), page_vendor_accounts(), contact_store())


@cache
def dialing() -> Dialing:
    from hub.domain.dialing import Dialing

    return Dialing(vendor_accounts(), contact_store())


@cache
def sync_store() -> SyncStore:
    from hub.store.sync import SyncStore

    return SyncStore(get_settings().tenants_table)


@cache
def sync_queue() -> QueuePublisher:
    from hub.store.queues import QueuePublisher

    return QueuePublisher(get_settings().sync_queue_url, delay_seconds=0)


@cache
def sync_service() -> SyncService:
    from hub.domain.sync import SyncLimits, SyncService

    limits = SyncLimits(backfill_days=get_settings().sync_backfill_days)
    store = sync_store()
    from hub.vendors.phonet.book_sync import PhonetBookSync

    accounts = worker_vendor_accounts()
    book = PhonetBookSync(accounts, contact_service(), store, limits)
    return SyncService(accounts, call_service(), tenant_store(), store, store, limits, book=book)


# How long a run asked for waits, each time it finds another run of its source under way.
SYNC_DEFER_SECONDS = 15


@cache
def sync_board() -> SyncBoard:
    from hub.domain.sync import SyncBoard
    from hub.store.queues import QueuePublisher

    later = QueuePublisher(get_settings().sync_queue_url, delay_seconds=SYNC_DEFER_SECONDS)
    return SyncBoard(sync_store(), tenant_store(), sync_queue(), later)


@cache
def campaign_store() -> CampaignStore:
    from hub.store.campaigns import CampaignStore

    return CampaignStore(get_settings().campaigns_table)


@cache
def dial_queue() -> QueuePublisher:
    from hub.store.queues import QueuePublisher

    return QueuePublisher(get_settings().dial_queue_url, delay_seconds=0)


@cache
def campaign_service() -> CampaignService:
    from hub.domain.campaigns import CampaignService

    queue = dial_queue()
    return CampaignService(
        campaign_store(),
        contact_store(),
        do_not_call(),
        worker_vendor_accounts(),
        queue.send_all,
        queue.send,
    )


@cache
def idempotency_store() -> DynamoDBPersistenceLayer:
    """Powertools idempotency records for the REST API's POSTs (one layer keeps its first config)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=get_settings().idempotency_table, boto3_client=default_client()
    )


def reset() -> None:
    """Forget every cached client, store and tenant: for tests, which swap the AWS behind them."""
    from hub.store.queues import default_sqs_client
    from hub.store.vendor_secrets import default_ssm_client

    for cached in (
        get_settings,
        default_client,
        default_sqs_client,
        default_ssm_client,
        tenant_store,
        vendor_secrets,
        contact_store,
        do_not_call_store,
        do_not_call,
        tenant_directory,
        authenticator,
        tenant_service,
        page_sessions,
        call_store,
        webhook_log,
        leads_queue,
        utm_queue,
        call_service,
        caller_lookup,
        utm_intake,
        contact_service,
        call_log,
        contact_cards,
        attribution_service,
        import_job_store,
        import_queue,
        import_service,
        idempotency_store,
        phonet_session_cache,
        vendor_accounts,
        worker_vendor_accounts,
        page_vendor_accounts,
        team,
        dialing,
        sync_store,
        sync_queue,
        sync_service,
        sync_board,
        campaign_store,
        dial_queue,
        campaign_service,
        call_notes_queue,
        call_notes,
    ):
        cached.cache_clear()
