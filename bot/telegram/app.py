"""Telegram handlers: carry a user's messages to the assistant and its answers back.

Every handler is thin: it works out the chat's language, asks the assistant (or answers itself for
commands and messages the assistant cannot read) and renders the reply. ``build_application()``
registers them all. Nothing here logs message texts, names or the token; chats appear as hashes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from actions import languages
from actions.catalogue import CatalogueError, store
from actions.i18n import N_, Texts, texts
from bot.assistant import Answer, AssistantClient, AssistantUnavailableError, Button
from bot.city import city_facts
from bot.privacy import ConversationStore, UnsupportedStoreError, retention_days
from bot.speech import SpeechUnavailableError, synthesise
from bot.telegram.render import ButtonRegistry, escape, keyboard, split_text
from bot.telegram.settings import Settings

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 3  # a send that fails with a network error is tried this often (0.5 s, 1 s apart)
TYPING_EVERY = 4.0  # Telegram shows "typing…" for 5 s; renew it while the assistant works
ERASE_TIMEOUT = 15.0
COMMANDS = (
    ("start", N_("Begrüßung und Sprache wählen")),
    ("language", N_("Sprache wählen")),
    ("help", N_("Was ich kann")),
    ("privacy", N_("Datenschutz: was gespeichert wird")),
    ("plan", N_("Mein Plan: was noch zu tun ist")),
    ("delete", N_("Mein Gespräch löschen")),
)
LANGUAGE_PAYLOAD = '/choose_language{{"language":"{code}"}}'
GERMAN = "\x1fde\x1f"  # button payload prefix: show the answer to this question in German
READ = "\x1fread\x1f"  # button payload prefix: read this answer aloud (language code, then the text)
TICK = "/plan_tick"  # button payload prefix: tick a step of the plan off (the plan message is updated in place)


# --------------------------------------------------------------------------- state


@dataclass
class ChatState:
    """What the bot remembers about one private chat, in memory only (erased by /delete)."""

    language: str | None = None  # the conversation's language, as the assistant last set it
    last_venue: str | None = None  # the office of the last map pin, not repeated on every answer


@dataclass
class Services:
    """What the handlers share; set up once by ``build_application``."""

    settings: Settings | None = None
    assistant: AssistantClient = field(default_factory=AssistantClient)
    conversations: ConversationStore = field(default_factory=ConversationStore)
    buttons: ButtonRegistry = field(default_factory=ButtonRegistry)


Context = CallbackContext[ExtBot[None], dict[Any, Any], ChatState, Services]
CONTEXT_TYPES = ContextTypes(chat_data=ChatState, bot_data=Services)
T = TypeVar("T")


def sender_id(settings: Settings, chat_id: int) -> str:
    """The conversation id the assistant sees: a keyed hash of the chat id, never the id itself."""
    digest = hmac.new(settings.token.encode(), str(chat_id).encode(), hashlib.sha256).hexdigest()
    return f"tg-{digest[:24]}"


def log_id(chat_id: int | None) -> str:
    """A short, unkeyed hash of the chat id for logs."""
    return hashlib.sha256(str(chat_id).encode()).hexdigest()[:12]


def chat_language(update: Update, context: Context) -> str:
    """The language to talk in: the conversation's, else the user's Telegram language, else German."""
    state = context.chat_data
    if state is not None and state.language:
        return state.language
    user = update.effective_user
    return languages.resolve(user.language_code if user else None) or languages.DEFAULT


# --------------------------------------------------------------------------- sending


async def deliver(send: Callable[[], Awaitable[T]]) -> T:
    """Run one Bot API call, retrying transient network errors (flood limits: the rate limiter)."""
    for attempt in range(SEND_ATTEMPTS):
        try:
            return await send()
        except (BadRequest, Forbidden, RetryAfter):
            raise
        except (TimedOut, NetworkError):
            if attempt == SEND_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


async def send_text(
    context: Context, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send ``text`` (split at 4096 characters, HTML-escaped); the keyboard goes with the last piece."""
    pieces = split_text(text) or [""]
    sent = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await deliver(
            lambda piece=piece, last=last: context.bot.send_message(
                chat_id,
                escape(piece),
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
    return sent


@asynccontextmanager
async def typing(context: Context, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends."""

    async def keep_typing() -> None:
        while True:
            with suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def language_keyboard(context: Context) -> InlineKeyboardMarkup | None:
    buttons = [
        Button(lang.native_name, LANGUAGE_PAYLOAD.format(code=lang.code)) for lang in languages.LANGUAGES.values()
    ]
    return keyboard(buttons, context.bot_data.buttons)


def unavailable_text(t: Texts) -> str:
    phone = city_facts().phone
    if phone:
        return t._(
            "Entschuldigung, ich kann gerade nicht antworten. Bitte versuchen Sie es in ein paar Minuten noch "
            "einmal. Einen Menschen erreichen Sie bei der Stadt unter Telefon {phone}.",
            phone=t.ltr(phone),
        )
    return t._(
        "Entschuldigung, ich kann gerade nicht antworten. Bitte versuchen Sie es in ein paar Minuten noch einmal."
    )


async def converse(
    update: Update, context: Context, text: str, shown_in: str | None = None, in_place: Message | None = None
) -> None:
    """Ask the assistant on behalf of this chat and show everything it answers (``shown_in``: one answer
    in that language, for the counter, without switching the conversation; ``in_place``: replace this
    message with the answer, as for a ticked checklist, where it fits)."""
    chat = update.effective_chat
    if chat is None or context.bot_data.settings is None:
        return
    state = context.chat_data if context.chat_data is not None else ChatState()
    user = update.effective_user
    hint = languages.resolve(user.language_code if user else None)
    services = context.bot_data
    async with typing(context, chat.id):
        try:
            answer = await services.assistant.ask(sender_id(services.settings, chat.id), text, hint, shown_in)
        except AssistantUnavailableError as problem:
            logger.warning("assistant unavailable for chat %s: %s", log_id(chat.id), problem)
            await send_text(context, chat.id, unavailable_text(texts(chat_language(update, context))))
            return
    if answer.language:
        state.language = answer.language
    shown = shown_in or state.language or languages.DEFAULT
    t = texts(state.language or languages.DEFAULT)
    extra = [Button(t._("Vorlesen"), f"{READ}{shown}\x1f" + "\n".join(m.text for m in answer.messages))]
    if shown_in is None and state.language not in (None, languages.DEFAULT) and not text.startswith("/"):
        extra.append(Button(t._("Auf Deutsch zeigen"), GERMAN + text))
    answer.messages[-1].buttons.extend(extra)
    if in_place is not None and await replace(context, in_place, answer):
        return
    await show(context, chat.id, answer, state)


async def replace(context: Context, message: Message, answer: Answer) -> bool:
    """Put a one-message answer in place of ``message`` (text and keyboard); False if it cannot be."""
    if len(answer.messages) != 1 or len(split_text(answer.messages[0].text)) != 1:
        return False
    only = answer.messages[0]
    try:
        await deliver(
            lambda: message.edit_text(
                escape(only.text.strip()),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(only.buttons, context.bot_data.buttons),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
    except BadRequest as problem:  # too old to edit, deleted, or "message is not modified"
        return "not modified" in str(problem)
    return True


async def show(context: Context, chat_id: int, answer: Answer, state: ChatState) -> None:
    for message in answer.messages:
        await send_text(context, chat_id, message.text, keyboard(message.buttons, context.bot_data.buttons))
    office_id = answer.office
    if office_id is None or office_id == state.last_venue:
        return
    try:
        office = store().get().offices.get(office_id)
    except CatalogueError:
        return
    if office is None or office.location is None or office.address is None:
        return
    t = texts(state.language or languages.DEFAULT)
    address = ", ".join(
        part for part in (office.address.building, office.address.street, office.address.postcode + " " +
                          office.address.town) if part
    )  # fmt: skip
    await deliver(
        lambda: context.bot.send_venue(
            chat_id, office.location.lat, office.location.lon, t.data(office.name)[:100], address[:100]
        )
    )
    state.last_venue = office_id


# --------------------------------------------------------------------------- handlers


async def start(update: Update, context: Context) -> None:
    """/start: say what this is (an automated assistant), link the privacy notice, offer the languages."""
    t = texts(chat_language(update, context))
    city = city_facts()
    lines = [
        t._(
            "Hallo! Ich bin der Stadtlotse von {city}: ein automatischer Assistent, kein Mensch. Ich sage Ihnen, "
            "welches Amt Ihnen hilft, wo es ist, wann es offen ist und was Sie mitbringen müssen.",
            city=city.name,
        ),
        t._("Schreiben Sie Ihre Frage in Ihrer Sprache – oder wählen Sie unten eine Sprache."),
        t._("Datenschutz: {url} (kurz erklärt: /privacy)", url=city.privacy_url)
        if city.privacy_url
        else t._("Datenschutz, kurz erklärt: /privacy"),
    ]
    await send_text(context, update.effective_chat.id, "\n\n".join(lines), language_keyboard(context))


async def choose_language(update: Update, context: Context) -> None:
    """/language: the assistant's language menu."""
    await converse(update, context, "/choose_language")


async def help_command(update: Update, context: Context) -> None:
    """/help: what the assistant can do, in the conversation's language."""
    await converse(update, context, "/help")


async def plan_command(update: Update, context: Context) -> None:
    """/plan: the first-steps plan of this conversation with what is still to do."""
    await converse(update, context, "/plan_show")


async def privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored, for how long, and how to erase it."""
    t = texts(chat_language(update, context))
    city = city_facts()
    lines = [
        t._("So gehen wir mit Ihren Daten um:"),
        "• " + t._("Ihre Nachrichten gehen über Telegram an den Assistenten der Stadt {city}.", city=city.name),
        "• "
        + t.ngettext(
            "Das Gespräch wird {n} Tag gespeichert, damit der Assistent den Zusammenhang versteht. "
            "Danach wird es automatisch gelöscht.",
            "Das Gespräch wird {n} Tage gespeichert, damit der Assistent den Zusammenhang versteht. "
            "Danach wird es automatisch gelöscht.",
            retention_days(),
        ),
        "• " + t._("Ihren Namen und Ihre Telefonnummer speichern wir nicht."),
        "• " + t._("Mit /delete löschen Sie Ihr Gespräch sofort."),
        "• " + t._("Telegram speichert Ihre Nachrichten auch selbst. Dafür gelten die Regeln von Telegram."),
    ]
    if city.privacy_url:
        lines.append(t._("Datenschutzerklärung der Stadt: {url}", url=city.privacy_url))
    await send_text(context, update.effective_chat.id, "\n".join(lines))


async def delete(update: Update, context: Context) -> None:
    """/delete: erase this chat's conversation from the tracker store, then confirm."""
    chat_id = update.effective_chat.id
    t = texts(chat_language(update, context))
    services = context.bot_data
    try:
        removed = await asyncio.wait_for(
            asyncio.to_thread(services.conversations.erase, sender_id(services.settings, chat_id)), ERASE_TIMEOUT
        )
    except UnsupportedStoreError as problem:
        logger.error("cannot erase the conversation of chat %s: %s", log_id(chat_id), problem)
        removed = -1
    except Exception:  # a database that is down or slow: the user must hear that it did not work
        logger.exception("erasing the conversation of chat %s failed", log_id(chat_id))
        removed = -1
    if removed < 0:
        await send_text(
            context,
            chat_id,
            t._("Das Löschen hat gerade nicht geklappt. Bitte versuchen Sie es später noch einmal."),
        )
        return
    if context.chat_data is not None:
        context.chat_data.language = None
        context.chat_data.last_venue = None
    logger.info("erased conversation of chat %s (%d records)", log_id(chat_id), removed)
    await send_text(
        context,
        chat_id,
        t._(
            "Ihr Gespräch ist gelöscht. Der Assistent erinnert sich an nichts mehr daraus. "
            "Sie können jederzeit neu anfangen. Den Verlauf in Ihrer Telegram-App löschen Sie in Telegram selbst."
        ),
    )


async def question(update: Update, context: Context) -> None:
    """A text message in a private chat: a question for the assistant."""
    await converse(update, context, update.effective_message.text or "")


async def unknown_command(update: Update, context: Context) -> None:
    """A command this bot does not have: show what it can do."""
    await converse(update, context, "/help")


async def button(update: Update, context: Context) -> None:
    """A click on an inline button continues the conversation with the button's payload."""
    query = update.callback_query
    with suppress(TelegramError):
        await query.answer()
    payload = context.bot_data.buttons.payload_of(query.data or "")
    if payload is None:
        t = texts(chat_language(update, context))
        await send_text(
            context,
            update.effective_chat.id,
            t._("Dieser Knopf gilt nicht mehr. Bitte schreiben Sie Ihre Frage einfach neu."),
        )
        return
    if payload.startswith(READ):
        language, _, text = payload.removeprefix(READ).partition("\x1f")
        await read_aloud(update, context, text, language)
        return
    if payload.startswith(GERMAN):
        await converse(update, context, payload.removeprefix(GERMAN), shown_in=languages.DEFAULT)
        return
    if payload.startswith(TICK) and isinstance(query.message, Message):
        await converse(update, context, payload, in_place=query.message)
        return
    await converse(update, context, payload)


async def read_aloud(update: Update, context: Context, text: str, language: str) -> None:
    """Send the answer as a voice message, synthesised on this machine (espeak-ng, OGG/Opus)."""
    chat_id = update.effective_chat.id
    with suppress(TelegramError):
        await context.bot.send_chat_action(chat_id, ChatAction.RECORD_VOICE)
    try:
        audio = await asyncio.to_thread(synthesise, text, language)
    except SpeechUnavailableError as problem:
        logger.error("read aloud failed for chat %s: %s", log_id(chat_id), problem)
        await send_text(context, chat_id, texts(chat_language(update, context))._("Vorlesen ist gerade nicht möglich."))
        return
    await deliver(lambda: context.bot.send_voice(chat_id, voice=audio))


async def not_text(update: Update, context: Context) -> None:
    """Voice, photo, sticker, file, location ...: say politely that only text can be read."""
    t = texts(chat_language(update, context))
    await send_text(
        context,
        update.effective_chat.id,
        t._(
            "Ich kann nur Text lesen – keine Sprachnachrichten, Bilder, Sticker, Dateien oder Standorte. "
            "Bitte schreiben Sie Ihre Frage als Text, zum Beispiel: „Wo melde ich meine Wohnung an?“"
        ),
    )


async def edited(update: Update, context: Context) -> None:
    """An edited message: edits are not read again; ask for a new message."""
    t = texts(chat_language(update, context))
    await send_text(
        context,
        update.effective_chat.id,
        t._("Geänderte Nachrichten kann ich nicht lesen. Bitte schicken Sie Ihre Frage als neue Nachricht."),
    )


def addressed_to_bot(message: Message, username: str, bot_id: int) -> bool:
    """In a group: a command, a mention of this bot, or a reply to one of its messages."""
    replied_to = message.reply_to_message.from_user if message.reply_to_message else None
    if replied_to is not None and replied_to.id == bot_id:
        return True
    mentions = message.parse_entities([MessageEntity.MENTION, MessageEntity.BOT_COMMAND])
    mentions.update(message.parse_caption_entities([MessageEntity.MENTION]))
    for entity, text in mentions.items():
        if entity.type == MessageEntity.MENTION and text.lower() == f"@{username.lower()}":
            return True
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            target = text.partition("@")[2]
            if not target or target.lower() == username.lower():
                return True
    return False


async def group_message(update: Update, context: Context) -> None:
    """Groups: silent unless addressed; then point to a private chat (questions stay private there)."""
    message = update.effective_message
    if message is None or not addressed_to_bot(message, context.bot.username, context.bot.id):
        return
    t = texts(chat_language(update, context))
    await send_text(
        context,
        update.effective_chat.id,
        t._(
            "Bitte schreiben Sie mir in einem privaten Chat: {link} – dort bleiben Ihre Fragen privat.",
            link=f"https://t.me/{context.bot.username}",
        ),
    )


async def on_error(update: object, context: Context) -> None:
    """Log the error (never the message text) and, in a private chat, apologise instead of going silent."""
    chat = update.effective_chat if isinstance(update, Update) else None
    logger.error(
        "error while handling an update for chat %s: %s",
        log_id(chat.id if chat else None), type(context.error).__name__, exc_info=context.error,
    )  # fmt: skip
    if isinstance(update, Update) and chat is not None and chat.type == ChatType.PRIVATE:
        with suppress(TelegramError):
            await send_text(context, chat.id, unavailable_text(texts(chat_language(update, context))))


# --------------------------------------------------------------------------- application


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are served concurrently; the updates of one chat strictly in order."""

    def __init__(self, max_concurrent_updates: int = 64):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


async def set_commands(application: Application) -> None:
    """The command menu in every language (Telegram shows the one matching the user's app language)."""
    for code in (None, *languages.CODES):
        t = texts(code or languages.DEFAULT)
        commands = [BotCommand(name, t._(description)) for name, description in COMMANDS]
        try:
            await application.bot.set_my_commands(commands, language_code=code)
        except TelegramError as error:
            logger.warning("could not set the command menu for %s: %s", code or "default", type(error).__name__)


def build_application(settings: Settings, services: Services | None = None) -> Application:
    """The python-telegram-bot application with every handler registered."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .context_types(CONTEXT_TYPES)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor())
        .job_queue(None)
        .request(HTTPXRequest(connect_timeout=10, read_timeout=15))
        .get_updates_request(HTTPXRequest(connect_timeout=10, read_timeout=40))
    )
    if settings.webhook_mode:
        builder = builder.updater(None)
    application = builder.build()
    shared = application.bot_data
    if services is not None:
        shared.assistant, shared.conversations, shared.buttons = (
            services.assistant, services.conversations, services.buttons
        )  # fmt: skip
    shared.settings = settings

    private = filters.ChatType.PRIVATE
    for name, callback in (
        ("start", start),
        ("language", choose_language),
        ("help", help_command),
        ("privacy", privacy),
        ("plan", plan_command),
        ("delete", delete),
    ):
        application.add_handler(CommandHandler(name, callback, filters=private & ~filters.UpdateType.EDITED))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED, edited))
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, question))
    application.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, not_text))
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, group_message))
    application.add_error_handler(on_error)
    return application
