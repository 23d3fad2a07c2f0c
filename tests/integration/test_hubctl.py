"""hubctl against moto: what an operator types, and what the lookup then answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from hub.domain import tenants as tenants_domain
from hub.domain.tenants import TenantDirectory, live_api_key
from hub.errors import NotFound, Unauthorized
from hub.ids import now_ms
from hub.models.tenant import Vendor
from hub.secrets import sha256_hex, verify_password
from hub.store.contacts import ContactStore
from hub.store.tenants import TenantStore
from hubtools import dlq
from hubtools.hubctl import main

HOOKS = ("lookup", "events", "utm")


@pytest.fixture
def hubctl(tables, template, capsys):
    def run(*argv: str) -> tuple[int, dict]:
        code = main(["--stack", template.stack_name, *argv])
        captured = capsys.readouterr()
        # A report (even of an import with failed rows) is on stdout; an error is one line on stderr.
        return code, json.loads(captured.out or captured.err)

    return run


def test_hubctl_tenant_create_prints_tokens_and_webhook_urls_that_resolve(hubctl, template) -> None:
    code, out = hubctl("tenant", "create", "shop", "--name", "Shop", "--api-url", "https://hub.example.com")
    assert code == 0
    token = out["webhook_tokens"]["phonet"]
    assert len(token) >= 22  # 128 bits and more
    assert out["webhook_urls"]["phonet"][0] == f"https://hub.example.com/hooks/phonet/{token}/lookup"
    directory = TenantDirectory(TenantStore(template.table_name("TenantsTable")))
    assert directory.by_webhook_token(token, Vendor.PHONET).slug == "shop"
    code, err = hubctl("tenant", "create", "shop")
    assert code == 1 and err["error"]["code"] == "conflict"


def test_hubctl_rejects_bad_country_and_slug(hubctl) -> None:
    assert hubctl("tenant", "create", "shop", "--country", "XX")[0] == 1
    assert hubctl("tenant", "create", "Not A Slug")[0] == 1


def test_hubctl_user_and_contact_add_with_responsible_by_ext(hubctl, template) -> None:
    hubctl("tenant", "create", "shop", "--country", "RU")
    code, out = hubctl(
        "user", "add", "--tenant", "shop", "--name", "Anna", "--email", "Anna@Shop.ru", "--ext", "101"
    )
    assert code == 0 and out["employee"]["email"] == "anna@shop.ru"
    code, out = hubctl(
        "contact",
        "add",
        "--tenant",
        "shop",
        "--name",
        "Пётр",
        "--phone",
        "89222220000",
        "--responsible",
        "101",
        "--external",
        "obzvonilka=55",
    )
    assert code == 0
    contact = out["contact"]
    assert contact["phones"] == [{"e164": "+79222220000", "raw": "89222220000", "remark": None}]
    assert contact["external_codes"] == {"obzvonilka": "55"}
    store = ContactStore(template.table_name("ContactsTable"))
    assert [e.id for e in store.phone_entries("shop", "+79222220000")] == [contact["id"]]
    code, err = hubctl("contact", "add", "--tenant", "shop", "--phone", "12")
    assert code == 1 and err["error"]["code"] == "invalid_phone"
    assert hubctl("contact", "add", "--tenant", "nobody", "--phone", "89222220000")[0] == 1


def test_hubctl_contact_import_reports_bad_rows_and_merges_on_reimport(
    hubctl, template, tmp_path: Path
) -> None:
    hubctl("tenant", "create", "shop", "--country", "UA")
    hubctl("user", "add", "--tenant", "shop", "--name", "Anna", "--ext", "101")
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(
        "name,type,company,phone,phone1,phone_remark1,responsible,ext:crm\n"
        "Иван,contact,ООО Ромашка,0442246595;0505826633,,,101,A-1\n"
        "Ромашка,company,,,044 111 22 33,reception,,A-2\n"
        "Broken,contact,,not-a-phone,,,,A-3\n"
        "Nobody's,contact,,0671234567,,,999,A-4\n"
        "Bad type,alien,,0671234568,,,,A-5\n",
        encoding="utf-8",
    )
    code, out = hubctl("contact", "import", "--tenant", "shop", str(csv_file))
    assert code == 1  # some rows failed
    assert (out["created"], out["updated"], out["failed"]) == (2, 0, 3)
    assert [(e["line"], e["code"]) for e in out["errors"]] == [
        (4, "invalid_phone"),
        (5, "unknown_employee"),
        (6, "bad_request"),
    ]
    code, again = hubctl("contact", "import", "--tenant", "shop", str(csv_file))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)  # nothing to write
    store = ContactStore(template.table_name("ContactsTable"))
    assert len(store.phone_entries("shop", "+380442246595")) == 1
    (company,) = store.phone_entries("shop", "+380441112233")
    assert company.type == "company"


def test_hubctl_user_login_password_is_hashed_and_login_unique(hubctl, template) -> None:
    hubctl("tenant", "create", "shop")
    code, out = hubctl("user", "add", "--tenant", "shop", "--name", "Anna", "--login", "Anna")
    assert code == 0 and out["employee"]["login"] == "anna" and len(out["password"]) >= 12
    assert "password_hash" not in out["employee"]
    (stored,) = TenantStore(template.table_name("TenantsTable")).list_employees("shop")
    assert stored.password_hash and out["password"] not in stored.password_hash
    assert verify_password(stored.password_hash, out["password"])
    assert not verify_password(stored.password_hash, "wrong")
    code, err = hubctl(
        "user", "add", "--tenant", "shop", "--name", "Other Anna", "--login", "anna", "--password", "x"
    )
    assert code == 1 and err["error"]["code"] == "conflict"
    assert len(TenantStore(template.table_name("TenantsTable")).list_employees("shop")) == 1


def test_hubctl_apikey_create_stores_only_a_hash(hubctl, template) -> None:
    hubctl("tenant", "create", "shop")
    code, out = hubctl("apikey", "create", "--tenant", "shop", "--name", "website")
    assert code == 0 and out["api_key"].startswith("hub_")
    record = TenantStore(template.table_name("TenantsTable")).get_api_key(sha256_hex(out["api_key"]))
    assert record["tenant"] == "shop" and record["prefix"] == out["api_key"][:10]
    assert out["api_key"] not in json.dumps(record)


def test_hubctl_tenant_settings_show_merge_validate(hubctl) -> None:
    hubctl("tenant", "create", "shop", "--country", "RU")
    code, out = hubctl("tenant", "settings", "shop")
    assert code == 0 and out["settings"]["leads_from_inbound"] is True
    changes = json.dumps(
        {
            "leads_from_outbound": True,
            "own_numbers": ["8 800 555-35-35"],
            "avtodialer_fields": {"phone": "DST"},
        }
    )
    code, out = hubctl("tenant", "settings", "shop", changes)
    assert code == 0
    settings = out["settings"]
    assert settings["leads_from_outbound"] is True and settings["own_numbers"] == ["+78005553535"]
    fields = settings["avtodialer_fields"]
    assert fields["phone"] == ["DST"] and fields["duration"] == ["duration", "Продолжительность_вызова"]
    assert hubctl("tenant", "settings", "shop")[1]["settings"] == settings
    assert hubctl("tenant", "settings", "shop", '{"phonet_ip_allowlist": ["not an ip"]}')[0] == 1
    assert hubctl("tenant", "settings", "shop", "[1]")[0] == 1
    assert hubctl("tenant", "settings", "nobody")[0] == 1


def test_hubctl_tenant_language_set_at_create_and_changed_in_settings(hubctl) -> None:
    assert hubctl("tenant", "create", "shop", "--language", "uk")[1]["tenant"]["language"] == "uk"
    code, out = hubctl("tenant", "settings", "shop", '{"leads_from_outbound": true}', "--language", "en")
    assert code == 0 and out["language"] == "en" and out["settings"]["leads_from_outbound"] is True
    assert hubctl("tenant", "settings", "shop")[1]["language"] == "en"
    with pytest.raises(SystemExit):  # argparse: not one of the languages (`ua` is a country)
        hubctl("tenant", "settings", "shop", "--language", "ua")


def test_hubctl_tenant_settings_unknown_key_refused_nothing_changed(hubctl) -> None:
    """A misspelt setting is an error, as in the REST API's PATCH, not a silent no-op."""
    hubctl("tenant", "create", "shop", "--country", "UA")
    before = hubctl("tenant", "settings", "shop")[1]["settings"]
    typo = '{"leads_from_outbound": true, "leads_from_outbund": true}'
    code, err = hubctl("tenant", "settings", "shop", typo)
    assert code == 1 and err["error"]["code"] == "bad_request"
    assert "leads_from_outbund" in err["error"]["message"]
    assert hubctl("tenant", "settings", "shop")[1]["settings"] == before


SPREADSHEET_CSV = (
    "name;phone;responsible;ext:crm\nІван Петренко;0442246595;101;A-1\nОлена;050 582 66 33;;A-2\n"
)


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "cp1251"],
    ids=["semicolons-utf8", "semicolons-utf8-bom", "semicolons-cp1251"],
)
def test_hubctl_contact_import_reads_spreadsheet_csv_files(
    hubctl, template, tmp_path: Path, encoding: str
) -> None:
    hubctl("tenant", "create", "shop", "--country", "UA")
    hubctl("user", "add", "--tenant", "shop", "--name", "Anna", "--ext", "101")
    csv_file = tmp_path / "contacts.csv"
    text = SPREADSHEET_CSV.replace("Олена", "Олена Ї") if encoding != "cp1251" else SPREADSHEET_CSV
    csv_file.write_bytes(text.encode(encoding))
    code, out = hubctl("contact", "import", "--tenant", "shop", str(csv_file))
    assert code == 0, out
    assert (out["created"], out["updated"], out["failed"]) == (2, 0, 0)
    store = ContactStore(template.table_name("ContactsTable"))
    (ivan,) = store.phone_entries("shop", "+380442246595")
    assert ivan.name == "Іван Петренко"
    contact = store.get("shop", ivan.id)
    assert contact.external_codes == {"crm": "A-1"} and contact.responsible_employee_id
    assert len(store.phone_entries("shop", "+380505826633")) == 1


def test_hubctl_contact_import_refuses_a_file_with_no_known_column(hubctl, tmp_path: Path) -> None:
    hubctl("tenant", "create", "shop")
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("Имя|Телефон\nИван|0442246595\n", encoding="utf-8")
    code, err = hubctl("contact", "import", "--tenant", "shop", str(csv_file))
    assert code == 1 and err["error"]["code"] == "unknown_columns"


def test_hubctl_tenant_settings_go_through_the_versioned_domain_update(hubctl, template) -> None:
    hubctl("tenant", "create", "shop", "--country", "UA")
    tenants = TenantStore(template.table_name("TenantsTable"))
    before = tenants.get_tenant("shop")
    code, out = hubctl("tenant", "settings", "shop", '{"own_numbers": ["0800218500", "+380800218500"]}')
    assert code == 0 and out["settings"]["own_numbers"] == ["+380800218500"]
    after = tenants.get_tenant("shop")
    assert after.updated_at > before.updated_at  # a REST PATCH made from `before` now fails its check


def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_hubctl_without_a_region_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _isolated_env(monkeypatch, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "hubtools.hubctl", "tenant", "settings", "shop"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert json.loads(result.stderr)["error"]["code"] == "no_region"


def test_hubctl_with_an_unreachable_endpoint_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    _isolated_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    assert main(["tenant", "settings", "shop"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and json.loads(err)["error"]["code"] == "aws_unreachable"


# -- rotating a webhook token and an API key ----------------------------------------------------


def test_hubctl_tenant_rotate_token_refuses_the_old_token_at_once(hubctl, template) -> None:
    _, created = hubctl("tenant", "create", "shop")
    old = created["webhook_tokens"]["phonet"]
    code, out = hubctl(
        "tenant", "rotate-token", "shop", "--vendor", "phonet", "--api-url", "https://hub.example.com"
    )
    assert code == 0 and out["webhook_token"] != old
    assert out["webhook_urls"] == {
        "phonet": [f"https://hub.example.com/hooks/phonet/{out['webhook_token']}/{hook}" for hook in HOOKS]
    }
    directory = TenantDirectory(TenantStore(template.table_name("TenantsTable")), ttl_seconds=0)
    assert directory.by_webhook_token(out["webhook_token"], Vendor.PHONET).slug == "shop"
    with pytest.raises(NotFound):
        directory.by_webhook_token(old, Vendor.PHONET)
    # the other vendor's token is untouched
    assert (
        directory.by_webhook_token(created["webhook_tokens"]["avtodialer"], Vendor.AVTODIALER).slug == "shop"
    )


def test_hubctl_tenant_rotate_token_with_overlap_keeps_the_old_one_until_it_ends(
    hubctl, template, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, created = hubctl("tenant", "create", "shop")
    old = created["webhook_tokens"]["avtodialer"]
    code, out = hubctl("tenant", "rotate-token", "shop", "--vendor", "avtodialer", "--overlap-seconds", "600")
    assert code == 0 and out["old_token"] == "refused after 600 s"
    directory = TenantDirectory(TenantStore(template.table_name("TenantsTable")), ttl_seconds=0)
    assert directory.by_webhook_token(old, Vendor.AVTODIALER).slug == "shop"
    assert directory.by_webhook_token(out["webhook_token"], Vendor.AVTODIALER).slug == "shop"
    later = now_ms() + 601_000
    monkeypatch.setattr(tenants_domain, "now_ms", lambda: later)
    with pytest.raises(NotFound):
        directory.by_webhook_token(old, Vendor.AVTODIALER)
    assert directory.by_webhook_token(out["webhook_token"], Vendor.AVTODIALER).slug == "shop"


def test_hubctl_tenant_rotate_token_refuses_a_vendor_without_webhooks_and_a_long_overlap(hubctl) -> None:
    hubctl("tenant", "create", "shop")
    assert hubctl("tenant", "rotate-token", "nobody", "--vendor", "phonet")[1]["error"]["code"] == "not_found"
    code, err = hubctl("tenant", "rotate-token", "shop", "--vendor", "phonet", "--overlap-seconds", "9999999")
    assert code == 1 and err["error"]["code"] == "bad_request"
    with pytest.raises(SystemExit):  # argparse: obzvonilka sends no webhooks
        hubctl("tenant", "rotate-token", "shop", "--vendor", "obzvonilka")


def test_hubctl_apikey_rotate_revokes_the_old_key_from_the_next_request(hubctl, template) -> None:
    hubctl("tenant", "create", "shop")
    _, created = hubctl("apikey", "create", "--tenant", "shop", "--name", "website")
    store = TenantStore(template.table_name("TenantsTable"))
    assert live_api_key(store, created["api_key"]).key_id == created["key"]["key_id"]
    code, out = hubctl("apikey", "rotate", "--tenant", "shop", created["key"]["key_id"])
    assert code == 0 and out["key"]["name"] == "website" and out["revoked"]["revoked_at"]
    with pytest.raises(Unauthorized):
        live_api_key(store, created["api_key"])
    assert live_api_key(store, out["api_key"]).key_id == out["key"]["key_id"]
    _, listed = hubctl("apikey", "list", "--tenant", "shop")
    assert {(key["key_id"], bool(key["revoked_at"])) for key in listed["keys"]} == {
        (created["key"]["key_id"], True),
        (out["key"]["key_id"], False),
    }
    assert "api_key" not in json.dumps(listed) and created["api_key"] not in json.dumps(listed)
    # a revoked key is not rotated again; an unknown one is named
    assert hubctl("apikey", "rotate", "--tenant", "shop", created["key"]["key_id"])[1]["error"]["code"] == (
        "unknown_api_key"
    )
    assert hubctl("apikey", "revoke", "--tenant", "shop", "nope")[1]["error"]["code"] == "unknown_api_key"
    code, out = hubctl("apikey", "revoke", "--tenant", "shop", out["key"]["key_id"])
    assert code == 0 and out["revoked"]["revoked_at"]


# -- dead-letter queues -------------------------------------------------------------------------


def _dead_letters(template, count: int, queue: str = "LeadsDeadLetterQueue") -> str:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=template.queue_name(queue))["QueueUrl"]
    for n in range(count):
        extra = (
            {"MessageGroupId": f"call-{n % 2}", "MessageDeduplicationId": f"dedup-{n}"}
            if ".fifo" in url
            else {}
        )
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"n": n}),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "lead"}},
            **extra,
        )
    return url


def _drain(url: str) -> list[dict]:
    sqs = boto3.client("sqs")
    found: list[dict] = []
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages"):
        found += messages
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_hubctl_dlq_list_shows_every_dead_letter_queue_its_depth_and_source(hubctl, template) -> None:
    _dead_letters(template, 3)
    code, out = hubctl("dlq", "list")
    assert code == 0
    by_name = {queue["queue"]: queue for queue in out["queues"]}
    dead_letter_queues = {
        props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in template.of_type("AWS::SQS::Queue").values()
        if (props := queue.get("Properties", {})).get("RedrivePolicy")
    }
    assert set(by_name) == {template.queue_name(queue) for queue in dead_letter_queues}
    leads = by_name[template.queue_name("LeadsDeadLetterQueue")]
    assert (leads["messages"], leads["source"], leads["fifo"]) == (
        3,
        template.queue_name("LeadsQueue"),
        False,
    )
    assert by_name[template.queue_name("CallNotesDeadLetterQueue")]["fifo"] is True


def test_hubctl_dlq_replay_moves_at_most_max_then_the_rest_each_once(hubctl, template) -> None:
    dlq_url = _dead_letters(template, 5)
    code, out = hubctl("dlq", "replay", "LeadsDead", "--max", "3", "--wait", "0")
    assert code == 0 and (out["mode"], out["moved"], out["failed"]) == ("moved", 3, [])
    # moto offers no message move task: the whole queue is moved by hubctl too
    code, out = hubctl("dlq", "replay", template.queue_name("LeadsDeadLetterQueue"), "--wait", "0")
    assert code == 0 and (out["mode"], out["moved"]) == ("moved", 2)
    source = template.queue_url("LeadsQueue")
    moved = _drain(boto3.client("sqs").get_queue_url(QueueName=source.rsplit("/", 1)[1])["QueueUrl"])
    assert sorted(json.loads(m["Body"])["n"] for m in moved) == [0, 1, 2, 3, 4]
    assert {m["MessageAttributes"]["kind"]["StringValue"] for m in moved} == {"lead"}
    assert _drain(dlq_url) == []


def test_hubctl_dlq_replay_fifo_keeps_groups_order_and_deduplication_ids(hubctl, template) -> None:
    _dead_letters(template, 6, "CallNotesDeadLetterQueue")
    code, out = hubctl("dlq", "replay", "CallNotes", "--wait", "0")
    assert code == 0 and out["moved"] == 6
    sqs = boto3.client("sqs")
    source = sqs.get_queue_url(QueueName=template.queue_name("CallNotesQueue"))["QueueUrl"]
    moved = _drain(source)
    by_group: dict[str, list[int]] = {}
    for message in moved:
        by_group.setdefault(message["Attributes"]["MessageGroupId"], []).append(
            json.loads(message["Body"])["n"]
        )
    assert by_group == {"call-0": [0, 2, 4], "call-1": [1, 3, 5]}
    assert {m["Attributes"]["MessageDeduplicationId"] for m in moved} == {f"dedup-{n}" for n in range(6)}


def test_hubctl_dlq_replay_dry_run_lists_and_moves_nothing(hubctl, template) -> None:
    dlq_url = _dead_letters(template, 4)
    code, out = hubctl("dlq", "replay", "Leads", "--dry-run", "--wait", "0")
    assert code == 0 and (out["mode"], out["would_move"]) == ("dry_run", 4)
    assert sorted(json.loads(m["body"])["n"] for m in out["messages"]) == [0, 1, 2, 3]
    assert len(_drain(dlq_url)) == 4  # all still there, and visible at once
    assert _drain(template.queue_url("LeadsQueue")) == []


def test_hubctl_dlq_replay_names_the_queues_when_it_cannot_tell_which(hubctl) -> None:
    code, err = hubctl("dlq", "replay", "DeadLetter")
    assert (
        code == 1
        and err["error"]["code"] == "ambiguous_queue"
        and len(err["error"]["details"]["queues"]) == 6
    )
    code, err = hubctl("dlq", "replay", "nowhere")
    assert code == 1 and err["error"]["code"] == "unknown_queue"


def test_dlq_replay_of_a_whole_queue_asks_sqs_for_a_move_task() -> None:
    """Where SQS offers StartMessageMoveTask, a whole queue is SQS's to move (moto has none)."""

    class Sqs:
        def __init__(self) -> None:
            self.asked: list[dict] = []

        def start_message_move_task(self, **kwargs: str) -> dict:
            self.asked.append(kwargs)
            return {"TaskHandle": "handle-1"}

    queue = dlq.DeadLetterQueue("d", "https://q/d", "arn:d", 7, 0, "s", "https://q/s", "arn:s", False)
    sqs = Sqs()
    out = dlq.replay(sqs, queue)
    assert (out["mode"], out["task_handle"], out["messages"]) == ("move_task", "handle-1", 7)
    assert sqs.asked == [{"SourceArn": "arn:d", "DestinationArn": "arn:s"}]


def test_dlq_replay_a_refused_send_leaves_the_message_in_the_dlq_and_stops(template, tables) -> None:
    """Only what the source queue accepted is deleted: a message SQS refused is neither lost nor
    sent again behind the ones after it."""
    dlq_url = _dead_letters(template, 5)
    real = boto3.client("sqs")

    class RefusesOne:
        def __getattr__(self, name: str):  # everything else as SQS does it
            return getattr(real, name)

        def send_message_batch(self, QueueUrl: str, Entries: list[dict]) -> dict:  # noqa: N803 - boto3's names
            refused, accepted = Entries[1], Entries[:1] + Entries[2:]
            answer = real.send_message_batch(QueueUrl=QueueUrl, Entries=accepted)
            failure = {
                "Id": refused["Id"],
                "Code": "InternalError",
                "Message": "try again",
                "SenderFault": False,
            }
            return {"Successful": answer["Successful"], "Failed": [failure]}

    queue = dlq.dead_letter_queue(real, template.stack_name, "Leads")
    out = dlq.replay(RefusesOne(), queue, max_messages=100, wait_seconds=0)
    assert out["moved"] == 4 and len(out["failed"]) == 1 and out["sent_not_deleted"] == []
    left = _drain(dlq_url)
    assert [m["MessageId"] for m in left] == [out["failed"][0]["message_id"]]
    moved = _drain(real.get_queue_url(QueueName=template.queue_name("LeadsQueue"))["QueueUrl"])
    assert sorted(json.loads(m["Body"])["n"] for m in moved + left) == [0, 1, 2, 3, 4]
