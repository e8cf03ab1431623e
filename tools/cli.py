"""The `remi` command: run the service, train, talk to it, check content, manage operators."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def _serve(args) -> int:
    from tools.serve import serve

    return serve(simulator=args.simulator, accept_unverified_content=args.accept_unverified_content)


def _api(args) -> int:
    from tools import parts

    return parts.api(args.only, args.host, args.port)


def _rasa(args) -> int:
    from tools import parts

    return parts.rasa(args.host, args.port, args.model)


def _actions(args) -> int:
    from tools import parts

    return parts.actions(args.host, args.port)


def _secrets(args) -> int:
    from tools import parts

    return parts.print_secrets()


def _train(args) -> int:
    from tools import stack

    started = time.monotonic()
    path = stack.train(force=args.force)
    print(f"model: {path.relative_to(stack.ROOT)} ({time.monotonic() - started:.0f}s)")
    return 0


def _chat(args) -> int:
    from tools.chat import chat

    return chat(args.from_, args.whatsapp)


def _report(args) -> int:
    from tools.insight_commands import print_report

    return print_report(args.from_, args.to, args.format)


def _insight(args) -> int:
    from tools import insight_commands as commands

    if args.action == "missed":
        return commands.list_missed(args.language)
    if args.action == "mark":
        return commands.mark(args.id, args.mark, args.intent, args.by)
    return commands.export_nlu(args.language, args.out)


def _worker(args) -> int:
    from tools.worker import run

    return run()


def _eval_nlu(args) -> int:
    from tools import stack

    # stdout is the JSON report: a first training (fresh clone) talks on stderr only.
    if not args.model and not stack.model_path().exists():
        print("remi eval-nlu: training the model first...", file=sys.stderr, flush=True)
    model = args.model or stack.train(quiet=True)
    command = [str(stack.RASA_PYTHON), "-m", "bot.evaluate", *map(str, args.paths), "--model", str(model)]
    return subprocess.call(command + (["--errors"] if args.errors else []), cwd=stack.ROOT)


def _content_lint(args) -> int:
    from remi.content.lint import main

    return main(strict=args.strict)


def _content_audit(args) -> int:
    from remi.content.audit import main

    return main(args.format)


def _content_preview(args) -> int:
    from remi.content.preview import main

    return main(args.topic, args.lang, args.channel, args.city)


def _i18n(args) -> int:
    from tools.i18n_commands import run

    return run(args.action)


def _operators_add(args) -> int:
    from tools.operators import add

    return add(args.username, args.team, args.role, args.organisation)


def _keys_rotate(args) -> int:
    import asyncio

    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from engine.config import get_settings
    from engine.rotation import reseal
    from tools.target import redis_url

    settings = get_settings()

    async def run() -> dict[str, int]:
        redis = Redis.from_url(redis_url(settings), socket_connect_timeout=3)
        try:
            return await reseal(redis, settings.contact_encryption_key)
        finally:
            await redis.aclose()

    try:
        counts = asyncio.run(run())
    except (RedisError, OSError):
        print("remi keys rotate: Redis does not answer (is `remi serve` running, or REDIS_URL right?)", file=sys.stderr)
        return 1
    print(
        f"re-sealed {counts['contacts']} contact record(s) and {counts['partner_secrets']} partner secret(s)"
        + (f"; {counts['unreadable']} sealed with a key no longer listed were left" if counts["unreadable"] else "")
    )
    return 0


def _operators_manage(args) -> int:
    from tools.operators import manage

    return manage(args.action, args.username)


def _bench(args) -> int:
    from tools import stack

    # bench/ is not an installed package (it is not part of the service): found from the checkout.
    if str(stack.ROOT) not in sys.path:
        sys.path.insert(0, str(stack.ROOT))
    from bench.run import main

    return main(args.quick)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start Redis (embedded), Rasa, the action server and the API")
    p.add_argument(
        "--simulator",
        action="store_true",
        help="send replies to the local phone simulator (`remi chat`) instead of Twilio",
    )
    p.add_argument(
        "--accept-unverified-content",
        action="store_true",
        help="in production, start even with no emergency contact in the content (logged)",
    )
    p.set_defaults(func=_serve)

    p = sub.add_parser("train", help="train the model if the training data changed")
    p.add_argument("--force", action="store_true", help="train even if a matching model exists")
    p.set_defaults(func=_train)

    p = sub.add_parser("chat", help="a phone simulator: talk to the running bot as Twilio would")
    p.add_argument("--from", dest="from_", default="+22790000001", help="the phone number to write from")
    p.add_argument("--whatsapp", action="store_true", help="write over WhatsApp instead of SMS")
    p.set_defaults(func=_chat)

    p = sub.add_parser("worker", help="run only the worker (when the API runs with API_WORKER=false)")
    p.set_defaults(func=_worker)

    # One part each, in the foreground, for a process manager (deploy/).
    p = sub.add_parser("api", help="run only the API (and its worker unless API_WORKER=false)")
    p.add_argument("--only", choices=["webhooks"], help="serve only Twilio's webhooks and /healthz")
    p.add_argument("--host", help="default: API_HOST")
    p.add_argument("--port", type=int, help="default: API_PORT")
    p.set_defaults(func=_api)
    p = sub.add_parser("rasa", help="run only Rasa (needs REDIS_URL, RASA_TOKEN and a trained model)")
    p.add_argument("--host", help="default: RASA_URL's host")
    p.add_argument("--port", type=int, help="default: RASA_URL's port")
    p.add_argument("--model", type=Path, help="default: the model of the current training data")
    p.set_defaults(func=_rasa)
    p = sub.add_parser("actions", help="run only the action server")
    p.add_argument("--host", help="default: ACTION_SERVER_URL's host")
    p.add_argument("--port", type=int, help="default: ACTION_SERVER_URL's port")
    p.set_defaults(func=_actions)
    p = sub.add_parser("secrets", help="print new random secrets for .env or a secrets store")
    p.set_defaults(func=_secrets)

    p = sub.add_parser("eval-nlu", help="evaluate the model and the language detector on JSON Lines files")
    p.add_argument("paths", type=Path, nargs="*", help="default: the three held-out files in tests/nlu/")
    p.add_argument("--errors", action="store_true", help="list each wrong prediction with its text")
    p.add_argument("--model", type=Path, help="a model file (default: the current one, trained if needed)")
    p.set_defaults(func=_eval_nlu)

    content = sub.add_parser("content", help="check and preview the guidance").add_subparsers(
        dest="action", required=True
    )
    p = content.add_parser("lint", help="check every content file")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=_content_lint)
    p = content.add_parser("audit", help="the go-live checklist: every fact a partner must confirm, by organisation")
    p.add_argument("--format", choices=["text", "md"], default="text")
    p.set_defaults(func=_content_audit)
    p = content.add_parser("preview", help="show a topic as the phone would")
    p.add_argument("topic")
    p.add_argument("--lang", choices=["fr", "ha", "en"], default="fr")
    p.add_argument("--channel", choices=["sms", "whatsapp"], default="sms")
    p.add_argument("--city", help="the town, for topics that list services")
    p.set_defaults(func=_content_preview)

    p = sub.add_parser("i18n", help="system strings: extract, update or compile the gettext catalogs")
    p.add_argument("action", choices=["extract", "update", "compile"])
    p.set_defaults(func=_i18n)

    operators = sub.add_parser("operators", help="operator accounts").add_subparsers(dest="action", required=True)
    p = operators.add_parser("add", help="add an operator (password read from stdin)")
    p.add_argument("username")
    p.add_argument("--team", required=True)
    p.add_argument("--role", choices=["operator", "supervisor", "admin", "editor"], default="operator")
    p.add_argument(
        "--organisation", default=None, help="default: the team's organisation in the routing file (config/routing.yml)"
    )
    p.set_defaults(func=_operators_add)
    p = operators.add_parser("list", help="every account: role, team, organisation, active or disabled")
    p.set_defaults(func=_operators_manage, username=None)
    for action, say in (
        ("disable", "disable an account: every token and console session ends at once"),
        ("enable", "enable a disabled account again"),
        ("reset-password", "a new password (read from stdin); every session ends"),
        ("revoke", "end every token and console session of an account"),
        ("remove", "delete an account and end its sessions"),
    ):
        p = operators.add_parser(action, help=say)
        p.add_argument("username")
        p.set_defaults(func=_operators_manage)

    keys = sub.add_parser("keys", help="the encryption key").add_subparsers(dest="action", required=True)
    p = keys.add_parser(
        "rotate", help="re-seal stored contacts and partner secrets with CONTACT_ENCRYPTION_KEY's first key"
    )
    p.set_defaults(func=_keys_rotate)

    p = sub.add_parser("report", help="the funders' summary for a period (cells under 5 people show <5)")
    p.add_argument("--from", dest="from_", help="first day, YYYY-MM-DD (default: 6 days before --to)")
    p.add_argument("--to", help="last day, YYYY-MM-DD (default: today)")
    p.add_argument("--format", choices=["md", "csv"], default="md")
    p.set_defaults(func=_report)

    insight = sub.add_parser("insight", help="missed questions: list, mark, export as NLU training data")
    actions = insight.add_subparsers(dest="action", required=True)
    p = actions.add_parser("missed", help="questions the bot missed, grouped by language and similarity")
    p.add_argument("--language", choices=["fr", "ha", "en"])
    p.set_defaults(func=_insight)
    p = actions.add_parser("mark", help="mark a missed question: an example of an intent, content needed, or noise")
    p.add_argument("id", type=int)
    p.add_argument("mark", choices=["example", "content", "noise"])
    p.add_argument("--intent")
    p.add_argument("--by", default="cli")
    p.set_defaults(func=_insight)
    p = actions.add_parser("export-nlu", help="the marked examples as Rasa NLU YAML for bot/data/nlu/<lang>/")
    p.add_argument("--language", choices=["fr", "ha", "en"], required=True)
    p.add_argument("--out", type=Path, help="file to write (default: print)")
    p.set_defaults(func=_insight)

    p = sub.add_parser("bench", help="benchmark the whole system beside plain Rasa")
    p.add_argument("--quick", action="store_true", help="a shorter run, for trying the benchmark out")
    p.set_defaults(func=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
