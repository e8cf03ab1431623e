"""The insight pages in a real headless browser: a supervisor signs in, reads last week,
filters by language; an editor of another organisation sees only its own teams' handovers and
marks a missed French question as an example, which `remi insight export-nlu` then writes.
Saves docs/insight.png, the screenshot in the README."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from engine.insight.events import handover_row, send_row, turn_row
from engine.insight.store import Insight
from tests.e2e.test_console import browser, page_status, sign_in_browser  # noqa: F401  (the fixture)
from tests.e2e.test_handovers import wait_until
from tests.support.operators import add_operator
from tests.support.system import new_number
from tools.stack import ROOT


def seed(system) -> Insight:
    """A week of a small service, written into the file the worker writes."""
    insight = Insight(Path(system.env["DATA_DIR"]) / "insight.sqlite3")
    now = time.time()
    for day in range(7):
        at = now - day * 86400
        for n in range(12):  # 6 French and 6 Hausa speakers a day: every cell shows
            lang = "ha" if n % 2 else "fr"
            sender = f"seed-{day}-{n}"
            insight.record(
                "turn",
                turn_row(
                    sender, "sms", lang, "x", "services_health", 0.97, "services_health", "Agadez", None, n == 1, at=at
                ),
            )
            insight.record("send", send_row("sms", 2, "sent", at))
            for team, org in (("hotline", "remi"), ("protection", "partner")):
                hid = f"seed-{team}-{day}-{n}"
                insight.record("handover", handover_row(hid, sender, "general", team, org, False, "x", at))
                insight.record("claimed", {"id": hid, "at": at + 300 + 60 * n})
                insight.record("feedback", {"id": hid, "score": 4})
    insight.flush()
    return insight


def test_supervisor_reads_the_week_and_an_editor_turns_a_missed_question_into_an_example(system, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    insight = seed(system)
    number = new_number()
    system.converse("Sannu", number)  # a missed question in Hausa, as the editor meets it
    # Nonsense a model cannot place (round 5's model read "... ranar talata" as wages at 0.66: words of
    # time lean to rights_work; this one it reads as out of scope, which is missed too)
    system.converse("rakumin dawa yana wakar ayaba shudi da tsakar rana 96123456", number)
    wait_until(lambda: insight.db.execute("SELECT id FROM turns WHERE text LIKE 'rakumin dawa%'").fetchone())

    supervisor = add_operator(system, "hotline", role="supervisor")
    sign_in_browser(browser, system, supervisor)
    browser.find_element(By.LINK_TEXT, "Tableau de bord").click()  # the console in French, its default
    assert browser.find_element(By.TAG_NAME, "h1").text == "Tableau de bord"
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.figure svg")) >= 2
    page = browser.find_element(By.ID, "main").text
    assert "hotline" in page and "protection" not in page  # a supervisor of remi: remi's teams only
    Select(browser.find_element(By.NAME, "language")).select_by_value("ha")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: "language=ha" in b.current_url)  # the click does not wait
    first = browser.find_element(By.CSS_SELECTOR, "section.figure table tbody")
    assert {row.find_elements(By.TAG_NAME, "td")[1].text for row in first.find_elements(By.TAG_NAME, "tr")} == {"ha"}
    browser.set_window_size(1100, 1500)
    (ROOT / "docs").mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ROOT / "docs" / "insight.png"))

    editor = add_operator(system, "protection", role="editor")
    sign_in_browser(browser, system, editor)
    browser.get(system.api_url + "/console/insight")
    page = browser.find_element(By.ID, "main").text
    assert "protection" in page and "hotline" not in page  # an editor of partner: partner's teams only
    browser.get(system.api_url + "/console/queue")
    assert not browser.find_elements(By.CSS_SELECTOR, "tr[id^=h-]")  # an editor sees no handover

    browser.get(system.api_url + "/console/insight/missed?language=ha")
    question = next(
        li for li in browser.find_elements(By.CSS_SELECTOR, "section.missed li") if "rakumin dawa" in li.text
    )
    assert "rana #" in question.text and "96123456" not in question.text
    box = question.find_element(By.NAME, "intent")
    box.clear()
    box.send_keys("services_health")  # click one: the intent
    question.find_element(By.CSS_SELECTOR, "button[value=example]").click()  # click two
    assert page_status(browser, "Classée.") == "Classée."
    assert "rakumin dawa" not in browser.find_element(By.ID, "main").text

    exported = subprocess.run(
        [sys.executable, "-m", "tools.cli", "insight", "export-nlu", "--language", "ha"],
        env=system.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    assert "- intent: services_health" in exported.stdout
    assert "- rakumin dawa yana wakar ayaba shudi da tsakar rana #" in exported.stdout
