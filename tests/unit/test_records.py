"""Usage records for staff: redaction of personal data, counters, retention and exports, on real SQLite files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from pathlib import Path

import pytest

from actions import records as records_module
from actions.records import RETENTION_VARIABLE, URL_VARIABLE, Records, default_url, redact

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture()
def database(tmp_path: Path) -> Path:
    return tmp_path / "records.db"


@pytest.fixture()
def store(database: Path) -> Records:
    return Records(f"sqlite:///{database}", retention_days=30)


# --------------------------------------------------------------------------- redaction


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # e-mail
        ("Meine E-Mail ist max.mustermann1990@web.de, bitte antworten.", "Meine E-Mail ist [E-Mail], bitte antworten."),
        ("You can reach me at j.smith+city@example.co.uk.", "You can reach me at [E-Mail]."),
        ("بريدي الإلكتروني ahmad.k@gmail.com شكرا", "بريدي الإلكتروني [E-Mail] شكرا"),
        ("Моя пошта olena@ukr.net, дякую", "Моя пошта [E-Mail], дякую"),
        # IBAN
        ("Meine IBAN ist DE89 3704 0044 0532 0130 00.", "Meine IBAN ist [IBAN]."),
        ("IBAN: DE89370400440532013000 for the refund", "IBAN: [IBAN] for the refund"),
        ("رقم الحساب GB29 NWBK 6016 1331 9268 19 من فضلك", "رقم الحساب [IBAN] من فضلك"),
        ("Мій IBAN UA21 3223 1300 0002 6007 2335 6600 1", "Мій IBAN [IBAN]"),
        # dates
        ("Ich bin am 12.03.1990 geboren.", "Ich bin am [Datum] geboren."),
        ("Geburtsdatum 12.3.90, mein Mann 12/03/1990", "Geburtsdatum [Datum], mein Mann [Datum]"),
        ("born 1990-03-12 or 12-03-1990?", "born [Datum] or [Datum]?"),
        ("geboren am 12. März 1990 in Aleppo", "geboren am [Datum] in Aleppo"),
        ("I was born 12 march 1990, my son on March 12, 2018", "I was born [Datum], my son on [Datum]"),
        ("وُلدت في 12 مارس 1990 في حلب", "وُلدت في [Datum] في حلب"),
        ("تاريخ الميلاد ١٢/٠٣/١٩٩٠", "تاريخ الميلاد [Datum]"),
        ("Я народилася 12 березня 1990 р. у Харкові", "Я народилася [Datum] р. у Харкові"),
        ("né le 1er mars 1990, urodzony 12 marca 1990, 12 Mart 1990 doğumlu", "né le [Datum], urodzony [Datum], [Datum] doğumlu"),  # noqa: E501
        # phone numbers
        ("Rufen Sie mich an: +49 2521 29-0", "Rufen Sie mich an: [Telefon]"),
        ("Tel. 0049 2521 290 oder 02521 29-3333", "Tel. [Telefon] oder [Telefon]"),
        ("My mobile is 0176 12345678, office (02521) 293333.", "My mobile is [Telefon], office [Telefon]."),
        ("رقمي 0176 12345678 أو ٠١٧٦ ١٢٣٤٥٦٧٨", "رقمي [Telefon] أو [Telefon]"),
        ("Мій номер +380 67 123 4567, телефонуйте", "Мій номер [Telefon], телефонуйте"),
        ("Fax +49 (0) 2521 29-100.", "Fax [Telefon]."),
        # other long numbers
        ("Steuer-ID 12 345 678 901 und Kundennummer 1234567", "Steuer-ID [Zahl] und Kundennummer [Zahl]"),
        ("Aktenzeichen 32-12345/2024", "Aktenzeichen 32-[Zahl]/2024"),
        ("رقم الملف 987654", "رقم الملف [Zahl]"),
        ("Номер справи 2024001234", "Номер справи [Zahl]"),
    ],
)
def test_redact_removes_personal_data(message: str, expected: str) -> None:
    assert redact(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "Mein Sohn ist 6 und braucht einen Kita-Platz. Wir wohnen Weststraße 46.",
        "Hat das Bürgerbüro 2024 am 24.12. offen? Ab 10:00 oder 08.00 - 12.00?",
        "I need 3 copies of my birth certificate, room 012, for 2 children.",
        "Is the office open on 12 March? It costs 1.500 euros.",
        "ابني عمره 6 سنوات، أين أسجله في المدرسة؟",
        "Мені потрібна Anmeldung, нас 4 людини, квартира 12.",
        "Kayıt için hangi belgeler gerekli? 3 çocuğum var.",
        "Weststraße 46 Mai 2024",
    ],
)
def test_redact_keeps_questions_and_short_numbers(message: str) -> None:
    assert redact(message) == message


def test_redact_handles_all_patterns_in_one_message() -> None:
    message = (
        "Hallo, ich bin Olena (geb. 12.03.1990), Tel. 0176 12345678, olena@ukr.net, "
        "IBAN DE89 3704 0044 0532 0130 00, Steuer-ID 12345678901. Mein Sohn ist 6."
    )
    assert redact(message) == (
        "Hallo, ich bin Olena (geb. [Datum]), Tel. [Telefon], [E-Mail], IBAN [IBAN], Steuer-ID [Zahl]. Mein Sohn ist 6."
    )


# --------------------------------------------------------------------------- counting and storing


def test_note_counts_answers_per_day_language_service(store: Records) -> None:
    store.note("de", "anmeldung", True, now=NOW)
    store.note("de", "anmeldung", True, now=NOW)
    store.note("ar", None, False, reason="fallback", now=NOW)
    store.note("de", "anmeldung", True, now=NOW + DAY)
    assert store.usage_rows() == [
        {"day": dt.date(2026, 3, 10), "language": "ar", "service": "", "answered": False, "count": 1},
        {"day": dt.date(2026, 3, 10), "language": "de", "service": "anmeldung", "answered": True, "count": 2},
        {"day": dt.date(2026, 3, 11), "language": "de", "service": "anmeldung", "answered": True, "count": 1},
    ]
    assert store.unanswered_entries() == []  # no text given: only counted


def test_note_stores_unanswered_text_redacted_and_never_the_raw_data(store: Records, database: Path) -> None:
    text = "Я народилася 12.03.1990, мій номер +380 67 123 4567, пошта olena@ukr.net. Де мені отримати довідку?"
    store.note("uk", None, False, reason="fallback", text=text, best_service="meldebescheinigung", now=NOW)
    store.note("de", "anmeldung", True, text="Meine Nummer ist 0176 12345678", now=NOW)  # answered: not kept

    [entry] = store.unanswered_entries()
    assert entry == {
        "created_at": NOW,
        "day": dt.date(2026, 3, 10),
        "language": "uk",
        "reason": "fallback",
        "best_service": "meldebescheinigung",
        "text": "Я народилася [Datum], мій номер [Telefon], пошта [E-Mail]. Де мені отримати довідку?",
    }
    content = database.read_bytes()
    assert "Де мені отримати довідку?".encode() in content  # the check below looks at the right file
    for raw in ("olena@ukr.net", "123 4567", "12.03.1990", "12345678", "0176"):
        assert raw.encode() not in content


def test_long_texts_are_cut_after_redaction(store: Records) -> None:
    store.note("en", None, False, reason="too_long", text="x" * 5000 + " mail me: a@b.de", now=NOW)
    [entry] = store.unanswered_entries()
    assert entry["text"] == "x" * 2000
    assert entry["reason"] == "too_long"


def test_unanswered_entries_newest_first_and_by_language(store: Records) -> None:
    store.note("de", None, False, reason="fallback", text="Wo ist das Fundbüro?", now=NOW - DAY)
    store.note("ar", None, False, reason="out_of_scope", text="أين مكتب المفقودات؟", now=NOW)
    store.note("de", None, False, reason="fallback", text="Hundesteuer abmelden?", now=NOW + DAY)
    assert [e["text"] for e in store.unanswered_entries()] == [
        "Hundesteuer abmelden?",
        "أين مكتب المفقودات؟",
        "Wo ist das Fundbüro?",
    ]
    assert [e["text"] for e in store.unanswered_entries("de")] == ["Hundesteuer abmelden?", "Wo ist das Fundbüro?"]


def test_day_is_the_city_calendar_day(store: Records) -> None:
    store.note("de", None, False, text="Silvester?", now=dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    [entry] = store.unanswered_entries()
    assert entry["day"] == dt.date(2026, 1, 1)  # 00:30 in Beckum
    assert entry["created_at"] == dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- retention


def test_purge_deletes_only_entries_older_than_the_retention(database: Path) -> None:
    store = Records(f"sqlite:///{database}", retention_days=7)
    store.note("de", None, False, text="alt", now=NOW - 8 * DAY)
    store.note("de", None, False, text="neu", now=NOW - 6 * DAY)
    assert store.purge(now=NOW) == 1
    assert [e["text"] for e in store.unanswered_entries()] == ["neu"]
    assert store.purge(now=NOW) == 0
    assert sum(row["count"] for row in store.usage_rows()) == 2  # counters stay


def test_note_purges_old_entries_on_the_way(store: Records) -> None:
    store.note("en", None, False, text="old question", now=NOW - 40 * DAY)
    store.note("en", None, False, text="recent question", now=NOW - 2 * DAY)
    assert [e["text"] for e in store.unanswered_entries()] == ["recent question"]
    store.note("de", "anmeldung", True, now=NOW + 29 * DAY)  # "recent question" is 31 days old by then
    assert store.unanswered_entries() == []


def test_retention_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, database: Path) -> None:
    monkeypatch.setenv(RETENTION_VARIABLE, "7")
    assert Records(f"sqlite:///{database}").retention == 7 * DAY
    monkeypatch.delenv(RETENTION_VARIABLE)
    assert Records(f"sqlite:///{database}").retention == 30 * DAY


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5"])
def test_a_bad_retention_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(RETENTION_VARIABLE, value)
    with pytest.raises(ValueError, match=f"{RETENTION_VARIABLE}='{value}' must be a positive whole number"):
        Records("sqlite://")


def test_a_bad_retention_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="retention_days must be a positive"):
        Records("sqlite://", retention_days=0)


# --------------------------------------------------------------------------- failures and laziness


@pytest.mark.parametrize("url", ["file-in-the-way", "not a database url", "nosuchdialect://x/y"])
def test_a_broken_database_logs_a_warning_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    if url == "file-in-the-way":
        (tmp_path / "plain-file").write_text("not a folder")
        url = f"sqlite:///{tmp_path / 'plain-file' / 'var' / 'records.db'}"
    store = Records(url, retention_days=30)
    with caplog.at_level(logging.WARNING, logger="actions.records"):
        store.note("de", None, False, reason="fallback", text="Meine Nummer ist 0176 12345678", now=NOW)
        store.note("de", "anmeldung", True, now=NOW)
    assert store.dropped == 2
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "Usage record not stored" in record.getMessage()
    assert "Nummer" not in record.getMessage() and "0176" not in record.getMessage()


def test_a_failing_table_logs_without_the_text(
    store: Records, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.note("de", "anmeldung", True, now=NOW)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE unanswered")
    with caplog.at_level(logging.WARNING, logger="actions.records"):
        store.note("de", None, False, text="Ich heiße Erika Mustermann", now=NOW)
    [record] = caplog.records
    assert "OperationalError" in record.getMessage()
    assert "Erika" not in record.getMessage()


def test_nothing_is_opened_before_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "new" / "records.db"
    monkeypatch.setenv(URL_VARIABLE, f"sqlite:///{database}")
    monkeypatch.setattr(records_module, "_records", None)
    store = records_module.records()
    assert store is records_module.records()
    assert not database.parent.exists()
    store.note("de", None, True, now=NOW)
    assert database.exists()


def test_default_url_is_a_file_in_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    assert default_url() == f"sqlite:///{records_module.ROOT / 'var' / 'records.db'}"
    monkeypatch.setenv(URL_VARIABLE, "postgresql://stadtlotse@db/records")
    assert default_url() == "postgresql://stadtlotse@db/records"


# --------------------------------------------------------------------------- exports and report


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_exports_have_a_header_and_one_row_each(store: Records) -> None:
    store.note("ar", None, False, reason="fallback", text="متى يفتح المكتب؟ رقمي 0176 12345678", now=NOW)
    store.note("de", None, False, reason="out_of_scope", text="=HYPERLINK(\"http://x\")", best_service="x", now=NOW)
    store.note("de", "anmeldung", True, now=NOW)
    assert read_csv(store.unanswered_csv()) == [
        ["day", "language", "reason", "best_service", "text"],
        ["2026-03-10", "de", "out_of_scope", "x", "'=HYPERLINK(\"http://x\")"],  # no formula in a spreadsheet
        ["2026-03-10", "ar", "fallback", "", "متى يفتح المكتب؟ رقمي [Telefon]"],  # newest first
    ]
    assert read_csv(store.usage_csv()) == [
        ["day", "language", "service", "answered", "count"],
        ["2026-03-10", "ar", "", "no", "1"],
        ["2026-03-10", "de", "", "no", "1"],
        ["2026-03-10", "de", "anmeldung", "yes", "1"],
    ]


def test_empty_exports_still_have_the_header(store: Records) -> None:
    assert read_csv(store.unanswered_csv()) == [["day", "language", "reason", "best_service", "text"]]
    assert read_csv(store.usage_csv()) == [["day", "language", "service", "answered", "count"]]


def test_summary_totals(store: Records) -> None:
    for _ in range(3):
        store.note("de", "anmeldung", True, now=NOW)
    store.note("de", "fundbuero", True, now=NOW + DAY)
    store.note("ar", "anmeldung", True, now=NOW + DAY)
    store.note("uk", None, False, reason="fallback", text="?", now=NOW + DAY)
    store.note("de", None, False, reason="out_of_scope", now=NOW + 2 * DAY)
    assert store.summary() == {
        "questions": 7,
        "answered": 5,
        "not_answered": 2,
        "by_language": {"de": 5, "ar": 1, "uk": 1},
        "by_service": {"anmeldung": 4, "": 2, "fundbuero": 1},
        "by_day": {"2026-03-10": 3, "2026-03-11": 3, "2026-03-12": 1},
    }


def test_summary_of_an_empty_store(store: Records) -> None:
    assert store.summary() == {
        "questions": 0,
        "answered": 0,
        "not_answered": 0,
        "by_language": {},
        "by_service": {},
        "by_day": {},
    }
