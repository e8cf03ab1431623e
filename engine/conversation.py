"""One inbound message in, the texts to send back out: the part of the path between the queue
and Rasa. In order:

  1. opt-out (STOP ... START): an opted-out person gets nothing at all
  2. language: chosen, detected with confidence, or asked ("1 Français 2 Hausa 3 English");
     a message in a language the service does not read gets that menu, a line in the three
     languages saying what the service reads, and the offer of a person; on a shared phone a
     greeting, or several words clearly in another of the three languages, switches the language
  3. a person owns the conversation (handover): the bot stays silent
  4. safety alerts asked for or stopped (ALERTE AGADEZ, FIN ALERTE: engine/alerts/)
     keywords (MENU, AIDE, PLUS, EFFACER, LANGUE...) and answers to the last menu (digits)
  5. words of immediate danger → the emergency topic, whatever the NLU says; then a message in
     another language (not French, Hausa or English) → the three-language menu
  6. everything else → Rasa, whose actions render content/<lang>/ for the channel
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from engine.alerts import texts as alert_texts
from engine.handover.notices import Notices
from engine.inbox import InboundMessage
from engine.insight.events import FEEDBACK, SCORES
from engine.profile import Profile
from engine.rasa_client import RasaClient, RasaUnavailable
from remi import cities, keywords
from remi.content.library import Library
from remi.content.render import (
    Choice,
    Reply,
    area_menu,
    area_title,
    compose,
    language_menu,
    main_menu,
    topic_reply,
)
from remi.i18n import N_, gettext_for
from remi.language.danger import in_danger
from remi.language.detect import LANGUAGES, default_detector, detect
from remi.language.greetings import greeting_language
from remi.language.normalise import normalise

log = logging.getLogger("remi.conversation")

SESSION_GAP_SECONDS = 12 * 3600  # as Rasa's session_expiration_time: a returning person is greeted back
CONFIDENT = 0.9  # a first message detected at least this surely sets the language
SWITCH = 0.97  # a detected language replaces the person's only this surely, on 3+ words
OTHER_LANGUAGE_HANDOVER = "handover:general:other_language"
OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}


@dataclass
class Outcome:
    texts: list[str] = field(default_factory=list)
    handover: dict | None = None  # {"category", "priority", "reason"} when a person is asked for
    to_person: bool = False  # a person has the conversation: the message goes to the handover
    leave_handover: bool = False  # the person wrote BOT / ROBOT during a handover
    erase: bool = False  # the person confirmed EFFACER / DELETE / GOGE
    # For insight (engine/insight/): what the NLU understood and the topic answered
    intent: str | None = None
    confidence: float | None = None
    topic: str | None = None
    fallback: bool = False  # the NLU did not understand (`intent` is then its best guess)
    feedback: tuple[str, int] | None = None  # (handover id, score 1-5) after a handover closed


@dataclass
class Turn:
    """One message on its way through the steps."""

    message: InboundMessage
    profile: Profile
    out: Outcome
    text: str  # the body, stripped
    keyword: str | None  # MENU, STOP... in any of the three languages (remi/keywords.py)
    payload: str | None = None  # what a menu choice, a danger word or a pin stands for

    @property
    def lang(self) -> str:
        return self.profile.reply_language

    @property
    def channel(self) -> str:
        return self.message.channel


class Conversation:
    def __init__(self, rasa: RasaClient, library: Callable[[], Library], render_options: dict, retention_days: int):
        self.rasa, self.library, self.opts, self.retention_days = rasa, library, render_options, retention_days

    async def respond(self, message: InboundMessage, profile: Profile) -> Outcome:
        """Run the steps in order until one answers the message."""
        text = message.body.strip()
        keyword = OPT_OUT_TYPES.get(message.opt_out_type or "") or keywords.keyword_of(text, profile.opted_out)
        turn = Turn(message, profile, Outcome(), text, keyword)
        for step in self.steps:
            if await step(turn):
                break
        return turn.out

    @property
    def steps(self) -> list[Callable[[Turn], Awaitable[bool]]]:
        """The order of the rules a message meets; each step answers it (True) or passes it on."""
        return [
            self.opted_out,  # carriers require total silence until START
            self.stop,
            self.language,  # chosen, detected with confidence, or asked
            self.greeting,  # a first contact or a return after a long silence (never answers alone)
            self.person_has_it,  # a handover: the bot is silent
            self.feedback,  # 1-5 after a handover closed scores it; anything else goes on
            self.erase_confirmation,
            self.alerts,  # ALERTE <town>, FIN ALERTE (STOP, above, stops alerts too)
            self.keyword,  # MENU, AIDE, PLUS, EFFACER, LANGUE...
            self.menu_answer,  # digits answer the last menu
            self.danger,  # words of immediate danger: the emergency topic, whatever the NLU says
            self.other_language,  # not French, Hausa or English: the three-language menu and a person
            self.location_pin,
            self.media_only,
            self.ask_rasa,  # everything else: Rasa, whose actions render content/<lang>/
        ]

    # -- the steps, in order -----------------------------------------------------------------
    async def opted_out(self, turn: Turn) -> bool:
        profile = turn.profile
        if not profile.opted_out:
            return False
        if turn.keyword == "start":
            profile.opted_out = False
            lang = profile.reply_language
            _ = gettext_for(lang)
            intro = _("Welcome back. You will receive our messages again.")
            self._say(turn.out, profile, main_menu(lang, turn.channel, self.library(), intro=intro, **self.opts))
        return True

    async def stop(self, turn: Turn) -> bool:
        if turn.keyword != "stop":
            return False
        turn.profile.opted_out = True
        turn.profile.menu, turn.profile.pages = None, []
        turn.profile.alert_towns = []  # STOP stops everything; alerts are asked for again after START
        # Twilio answers carrier keywords (OptOutType) itself and blocks anything more.
        if not turn.message.opt_out_type:
            guess = detect(turn.text).language
            lang = turn.profile.language or (guess if guess in LANGUAGES else "fr")
            _ = gettext_for(lang)
            turn.out.texts.append(
                _("You will receive no more messages from Re.Mi. Write {start} to start again.").format(
                    start=keywords.word("start", lang)
                )
            )
        return True

    async def language(self, turn: Turn) -> bool:
        switched_from = turn.profile.language
        if self._settle_language(turn.profile, turn.text, turn.keyword):
            if switched_from and turn.profile.language != switched_from:
                turn.out.texts.append(self._switch_line(turn.lang))
            return False
        if self._answers_language_menu(turn.profile, turn.text):
            self._after_language_choice(turn.out, turn.profile, turn.message)
        elif self._asks_for_person(turn.profile, turn.text):
            self._person_for_other_language(turn)
        elif self._other_language(turn.text, turn.keyword):
            self._say(turn.out, turn.profile, self._other_language_menu(turn.channel))
        else:
            self._say(turn.out, turn.profile, language_menu("Re.Mi. Bienvenue / Barka da zuwa / Welcome", turn.channel))
        return True

    async def greeting(self, turn: Turn) -> bool:
        profile, lang = turn.profile, turn.lang
        if profile.is_new:
            turn.out.texts.append(self._welcome_line(lang))
        elif time.time() - profile.last_seen > SESSION_GAP_SECONDS and not profile.handover:
            _ = gettext_for(lang)
            turn.out.texts.append(
                _("Welcome back to Re.Mi. Write {menu} to see everything again.").format(
                    menu=keywords.word("menu", lang)
                )
            )
        if turn.message.latitude is not None and turn.message.longitude is not None:
            profile.location = [turn.message.latitude, turn.message.longitude]
        return False

    async def person_has_it(self, turn: Turn) -> bool:
        """A person has the conversation: the message goes to the handover
        (engine/handover/records.py), unless the person asks for the bot back or to erase their
        data (EFFACER / GOGE / DELETE and its confirmation are never an operator's to answer)."""
        profile = turn.profile
        if not profile.handover or turn.keyword == "delete" or profile.awaiting == "delete_confirm":
            return False
        if turn.keyword == "bot":
            turn.out.leave_handover = True
        else:
            turn.out.to_person = True
        return True

    async def feedback(self, turn: Turn) -> bool:
        """The answer to "Did this help you?" after a handover closed: a digit 1-5 is kept
        against the handover (never the person, never Rasa); anything else is a new message."""
        awaiting = turn.profile.awaiting or ""
        if not awaiting.startswith(FEEDBACK):
            return False
        turn.profile.awaiting = None
        if turn.text not in SCORES:
            return False
        turn.out.feedback = (awaiting.removeprefix(FEEDBACK), int(turn.text))
        turn.out.texts.append(Notices.feedback_thanks(turn.lang))
        return True

    async def erase_confirmation(self, turn: Turn) -> bool:
        profile = turn.profile
        if profile.awaiting != "delete_confirm":
            return False
        profile.awaiting = None
        _ = gettext_for(turn.lang)
        if turn.text in ("1",) or detect_yes(turn.text):
            turn.out.erase = True
            turn.out.texts.append(_("Done: everything Re.Mi. held about you is erased."))
            return True
        intro = _("Nothing was erased.")
        self._say(turn.out, profile, main_menu(turn.lang, turn.channel, self.library(), intro=intro, **self.opts))
        return True

    async def alerts(self, turn: Turn) -> bool:
        """FIN ALERTE stops alerts; ALERTE alone asks for the town, ALERTE <town> subscribes."""
        profile, lang = turn.profile, turn.lang
        if turn.keyword == "alert_off":
            profile.alert_towns = []
            turn.out.texts.append(alert_texts.unsubscribed(lang))
            return True
        asked, rest = (True, None) if turn.keyword == "alert" else keywords.alert_request(turn.text)
        if not asked:
            return False
        town = cities.canonical(rest) if rest else None
        if town:
            self._subscribe(turn.out, profile, town)
            return True
        if rest and len(rest.split()) > 2:
            return False  # "alerte la police arrive": a sentence, for the danger words and the NLU
        reply = alert_texts.town_menu(lang, turn.channel, profile.alert_towns, profile.city, self.opts)
        if rest:
            turn.out.texts.append(alert_texts.unknown_town(lang))
        self._say(turn.out, profile, reply)
        return True

    def _subscribe(self, out: Outcome, profile: Profile, town: str) -> None:
        if town not in profile.alert_towns:
            profile.alert_towns = [*profile.alert_towns, town]
        out.texts.append(alert_texts.subscribed(profile.reply_language, profile.alert_towns))

    async def keyword(self, turn: Turn) -> bool:
        return turn.keyword is not None and self._keyword(turn.keyword, turn.out, turn.profile, turn.message)

    async def menu_answer(self, turn: Turn) -> bool:
        turn.payload = self._menu_answer(turn.profile, turn.text)
        if turn.payload is None and turn.text.isdigit() and turn.profile.menu:
            self._say(turn.out, turn.profile, self._repeat_menu(turn.profile, turn.lang, turn.channel))
            return True
        if turn.payload and not turn.payload.startswith("/"):
            self._local_payload(turn.payload, turn.out, turn.profile, turn.message)
            return True
        return False

    async def danger(self, turn: Turn) -> bool:
        if turn.payload is None and in_danger(turn.text):
            turn.payload = "/emergency"
        return False

    async def other_language(self, turn: Turn) -> bool:
        """A message in a language the service does not read (someone else on the phone, or a
        first message that the language step let through): never a confident answer in French,
        Hausa or English, but the three-language menu and a person."""
        if turn.payload is not None or not self._other_language(turn.text, turn.keyword):
            return False
        if self._other_language_menu_shown(turn.profile):
            # The menu was shown and did not help (or the text is not a language at all): never a
            # third round, a person takes it, as after two misunderstood messages.
            turn.payload = "/human_operator"
            return False
        self._say(turn.out, turn.profile, self._other_language_menu(turn.channel))
        return True

    async def location_pin(self, turn: Turn) -> bool:
        """A location pin with no text answers the town question, or opens the services menu."""
        if turn.payload is not None or turn.text or turn.message.latitude is None:
            return False
        menu = turn.profile.last_menu()
        if menu and menu.topic and menu.choices and '{"city"' in menu.choices[0].payload:
            turn.payload = f"/{menu.topic}"
            return False
        self._say(turn.out, turn.profile, area_menu("services", turn.lang, turn.channel, self.library(), **self.opts))
        return True

    async def media_only(self, turn: Turn) -> bool:
        """Media with no text: say what the service can read, the menu, and a person."""
        if turn.payload is not None or turn.text:
            return False
        self._say(turn.out, turn.profile, self._media_only(turn.lang, turn.channel))
        return True

    async def ask_rasa(self, turn: Turn) -> bool:
        out, profile = turn.out, turn.profile
        await self._rasa_turn(out, profile, turn.message, turn.payload or turn.text)
        if out.handover and out.handover.get("priority") and profile.is_new and len(out.texts) > 1:
            # In danger, the safety message comes first; the welcome can wait.
            out.texts.append(out.texts.pop(0))
        return True

    # -- helpers -----------------------------------------------------------------------------
    def _settle_language(self, profile: Profile, text: str, keyword: str | None) -> bool:
        usable = text and not text.isdigit() and not keyword
        if profile.language:
            # Phones are shared: a greeting in another of the three languages, or several words
            # clearly in one, means someone else is writing, even after a language was chosen
            # with LANGUE. Digits, keywords and one-word replies never switch.
            new = self._switch_to(profile.language, text) if usable else None
            if new:
                profile.language, profile.language_chosen = new, False
            return True
        # A very short message ("ok", "?") says nothing of the language, however sure the
        # detector is: ask instead.
        if usable and len(normalise(text).replace(" ", "")) >= 4:
            guess = detect(text)
            if guess.language in LANGUAGES and guess.confidence >= CONFIDENT:
                profile.language = guess.language
                return True
        return False

    @staticmethod
    def _switch_to(current: str, text: str) -> str | None:
        """The language a message written on a shared phone switches to, or None."""
        greeting = greeting_language(text)
        if greeting:
            return greeting if greeting != current else None
        if len(text.split()) < 3:
            return None
        guess = detect(text)
        if (
            guess.language in LANGUAGES
            and guess.language != current
            and guess.confidence >= SWITCH
            and default_detector().known_words(text) >= 0.6
        ):
            return guess.language
        return None

    @staticmethod
    def _other_language(text: str, keyword: str | None) -> bool:
        """Written in a language the service does not read: text (not digits, not a keyword)
        that the detector places outside French, Hausa and English."""
        return bool(text) and not keyword and not text.isdigit() and detect(text).other

    def _other_language_menu(self, channel: str) -> Reply:
        """What the service reads, in its three languages; the language menu; and a person."""
        lines = " / ".join(gettext_for(lang)(N_("Re.Mi. reads French, Hausa and English.")) for lang in LANGUAGES)
        person = " / ".join(dict.fromkeys(area_title("human_operator", lang) for lang in LANGUAGES))
        return language_menu(lines, channel, more=[Choice(person, OTHER_LANGUAGE_HANDOVER)])

    @staticmethod
    def _other_language_menu_shown(profile: Profile) -> bool:
        menu = profile.last_menu()
        return bool(menu and menu.choices and menu.choices[-1].payload == OTHER_LANGUAGE_HANDOVER)

    def _asks_for_person(self, profile: Profile, text: str) -> bool:
        menu = profile.last_menu()
        return self._other_language_menu_shown(profile) and bool(menu and text == str(len(menu.choices)))

    def _person_for_other_language(self, turn: Turn) -> None:
        """A person is asked for before any language is known: told in the three languages."""
        turn.profile.language = turn.profile.language or "fr"  # the operator's console needs one
        turn.profile.menu, turn.profile.pages = None, []
        turn.out.texts.append(" / ".join(gettext_for(lang)(N_("A person will answer you here.")) for lang in LANGUAGES))
        turn.out.handover = {"category": "general", "priority": False, "reason": "other_language"}

    @staticmethod
    def _switch_line(lang: str) -> str:
        _ = gettext_for(lang)
        return _("Switching to English — {language} to change.").format(language=keywords.word("language", lang))

    def _answers_language_menu(self, profile: Profile, text: str) -> bool:
        menu = profile.last_menu()
        return bool(menu and text in ("1", "2", "3") and menu.choices and menu.choices[0].payload == "lang:fr")

    def _after_language_choice(self, out: Outcome, profile: Profile, message: InboundMessage) -> Outcome:
        menu = profile.last_menu()
        assert menu is not None  # _answers_language_menu saw it
        lang = profile.language = menu.choices[int(message.body.strip()) - 1].payload.split(":")[1]
        profile.language_chosen = True
        if profile.is_new:
            out.texts.append(self._welcome_line(lang))
        self._say(out, profile, main_menu(lang, message.channel, self.library(), **self.opts))
        return out

    def _welcome_line(self, lang: str) -> str:
        _ = gettext_for(lang)
        return _(
            "Welcome to Re.Mi., free advice for migrants in Niger. We keep your messages {days} days; "
            "write {delete} to erase them."
        ).format(days=self.retention_days, delete=keywords.word("delete", lang))

    def _keyword(self, keyword: str, out: Outcome, profile: Profile, message: InboundMessage) -> bool:
        lang, chan = profile.reply_language, message.channel
        _ = gettext_for(lang)
        if keyword == "menu":
            self._say(out, profile, main_menu(lang, chan, self.library(), **self.opts))
        elif keyword == "help":
            self._say(
                out,
                profile,
                main_menu(
                    lang,
                    chan,
                    self.library(),
                    intro=_(
                        "Re.Mi. answers questions on your rights, the risks of the journey and where to find help. "
                        "Write your question or choose a number. {stop} to stop."
                    ).format(stop=keywords.word("stop", lang)),
                    **self.opts,
                ),
            )
        elif keyword == "more":
            if profile.pages:
                page, profile.pages = profile.pages[0], profile.pages[1:]
                out.texts.append(page)
            else:
                self._say(
                    out,
                    profile,
                    main_menu(lang, chan, self.library(), intro=_("That was all. What else do you need?"), **self.opts),
                )
        elif keyword == "delete":
            profile.awaiting = "delete_confirm"
            out.texts.append(_("Erase everything Re.Mi. holds about you? 1 Yes 2 No"))
        elif keyword == "language":
            self._say(out, profile, language_menu(_("Choose your language:"), chan))
        elif keyword == "start":
            self._say(out, profile, main_menu(lang, chan, self.library(), **self.opts))
        else:  # "bot" outside a handover: nothing to go back from
            return False
        return True

    def _menu_answer(self, profile: Profile, text: str) -> str | None:
        """The payload a digit (or, for the town question, a town's name) answers."""
        menu = profile.last_menu()
        if not menu:
            return None
        if text == "0" and menu.back:
            return menu.back
        if text.isdigit() and 1 <= int(text) <= len(menu.choices):
            return menu.choices[int(text) - 1].payload
        if menu.choices and '{"city"' in menu.choices[0].payload:
            town = cities.canonical(text) if len(text.split()) <= 3 else None
            if town:
                return next(c.payload for c in menu.choices if f'"{town}"' in c.payload)
        return None

    def _local_payload(self, payload: str, out: Outcome, profile: Profile, message: InboundMessage) -> None:
        lang, chan = profile.reply_language, message.channel
        if payload.startswith("handover:"):
            # "Talk to someone" under a topic: a person of the topic's category (handover:legal:rights_arrest).
            _, category, reason = (payload.split(":") + ["", ""])[:3]
            self._say(out, profile, topic_reply("human_operator", lang, chan, self.library(), **self.opts))
            out.handover = {"category": category or "general", "priority": False, "reason": reason or "requested"}
        elif payload.startswith("lang:"):
            lang = profile.language = payload.split(":")[1]
            profile.language_chosen = True
            self._say(out, profile, main_menu(lang, chan, self.library(), **self.opts))
        elif payload.startswith(alert_texts.TOWN_PAYLOAD):
            self._subscribe(out, profile, json.loads(payload.removeprefix(alert_texts.TOWN_PAYLOAD))["city"])
        elif payload == "menu:alerts":
            self._say(out, profile, alert_texts.town_menu(lang, chan, profile.alert_towns, profile.city, self.opts))
        elif payload == "menu:main":
            self._say(out, profile, main_menu(lang, chan, self.library(), **self.opts))
        elif payload.startswith("menu:"):
            self._say(out, profile, area_menu(payload.split(":")[1], lang, chan, self.library(), **self.opts))

    def _repeat_menu(self, profile: Profile, lang: str, channel: str) -> Reply:
        _ = gettext_for(lang)
        menu = profile.last_menu()
        if menu is None:  # the step runs only while a menu waits for its answer
            return main_menu(lang, channel, self.library(), **self.opts)
        return compose(
            _("Please choose a number from the list:"),
            menu.choices,
            _("Back") if menu.back else None,
            lang,
            channel,
            back=menu.back,
            **self.opts,
        )

    def _media_only(self, lang: str, channel: str) -> Reply:
        _ = gettext_for(lang)
        return main_menu(
            lang,
            channel,
            self.library(),
            intro=_("We cannot listen to voice notes or see photos yet. Write your question, or choose a number:"),
            **self.opts,
        )

    async def _rasa_turn(self, out: Outcome, profile: Profile, message: InboundMessage, text: str) -> None:
        lang = profile.reply_language
        metadata: dict[str, object] = {"language": lang, "channel": message.channel, "render": self.opts}
        if profile.location:
            metadata["location"] = profile.location
        try:
            messages = await self.rasa.turn(message.sender, text, metadata)
        except RasaUnavailable as exc:
            log.warning("rasa unavailable: %s", exc)
            _ = gettext_for(lang)
            out.texts.append(
                _("We are having trouble. Please try again in a few minutes, or write {help}.").format(
                    help=keywords.word("help", lang)
                )
            )
            if text == "/emergency" or text == "/human_operator":
                out.handover = {
                    "category": "protection" if text == "/emergency" else "general",
                    "priority": text == "/emergency",
                    "reason": "requested while the bot was down",
                }
            return
        for bot_message in messages:
            custom = (bot_message.get("custom") or {}).get("remi")
            nlu = (bot_message.get("custom") or {}).get("nlu") or {}
            if nlu:
                out.intent, out.confidence, out.fallback = (
                    nlu.get("intent"),
                    nlu.get("confidence"),
                    bool(nlu.get("fallback")),
                )
            if custom:
                reply = Reply.from_json(custom)
                self._say(out, profile, reply)
                if reply.handover:
                    out.handover = {
                        "category": reply.handover,
                        "priority": reply.priority,
                        "reason": reply.topic or "requested",
                    }
            elif bot_message.get("text"):
                out.texts.append(bot_message["text"])

    @staticmethod
    def _say(out: Outcome, profile: Profile, reply: Reply) -> None:
        out.topic = reply.topic or out.topic
        profile.remember(reply)
        out.texts.append(reply.pages[0])


def detect_yes(text: str) -> bool:
    return normalise(text) in {"oui", "yes", "eh", "i", "to", "ok", "d accord", "yauwa", "yawwa"}


def touch(profile: Profile) -> None:
    now = time.time()
    profile.first_seen = profile.first_seen or now
    profile.last_seen = now
