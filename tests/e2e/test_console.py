"""The operators' console in a real headless browser (Debian's chromium driven by Selenium):
an operator signs in, claims a waiting handover, replies with a ready-made reply, and the
migrant's phone (the Twilio stand-in) receives it. The test saves docs/console.png, the
screenshot in the README."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.support.operators import PASSWORD, add_operator, sign_in
from tests.support.system import new_number
from tools.stack import ROOT

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture
def browser(monkeypatch):
    # A missing browser fails the test rather than skipping it: a run without it would pass
    # without ever showing the console to a browser (CI included).
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "Debian's chromium and chromium-driver are not installed: bin/setup --test installs them "
            "(apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not download a browser or driver
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def page_status(browser, expected: str, timeout: float = 15) -> str:
    """The page's status line once it says `expected`: the live updates (api/static/live.js) may
    replace parts of the page while a test reads them, so a stale element is read again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    seen = {"text": ""}

    def says(b) -> bool:
        try:
            seen["text"] = b.find_element(By.CSS_SELECTOR, "[role=status]").text
        except (StaleElementReferenceException, NoSuchElementException):
            return False
        return expected in seen["text"]

    try:
        WebDriverWait(browser, timeout).until(says)
    except TimeoutException:
        pass  # the assertion that follows shows what the page said
    return seen["text"]


def sign_in_browser(browser, system, username: str, password: str = PASSWORD) -> None:
    """Sign in through the console's form, as a person would, and wait for the answer: the click
    does not wait, and a page opened at once would race the session cookie."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.delete_all_cookies()
    browser.get(system.api_url + "/console/sign-in")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: "/console/sign-in" not in b.current_url)


def test_operator_signs_in_claims_and_replies_from_the_console(system, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    username = add_operator(system, "hotline", username=f"aicha-{uuid.uuid4().hex[:4]}")
    api = sign_in(system, username)
    number = new_number()
    before = api.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)  # 4 Parler à quelqu'un
    hid = api.new_handover(before)["id"]
    system.send("Mon frère a été arrêté à Agadez hier. Il n'a pas ses papiers, que peut-il faire ?", number)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not [e for e in api.detail(hid)["transcript"] if e["from"] == "migrant"]:
        time.sleep(0.2)

    browser.get(system.api_url + "/console/queue")  # not signed in: sent to the sign-in page
    assert browser.current_url.endswith("/console/sign-in")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    row = browser.find_element(By.ID, f"h-{hid}")
    assert "français" in row.text  # the console speaks French by default (issue 14)
    row.find_element(By.CSS_SELECTOR, "button[name=claim]").click()

    assert "La conversation est à vous" in page_status(browser, "La conversation est à vous")
    assert "arrêté à Agadez" in browser.find_element(By.ID, "transcript").text
    Select(browser.find_element(By.ID, "canned")).select_by_value("fr:greeting")  # the script fills the box
    reply = browser.find_element(By.ID, "reply")
    assert reply.get_attribute("value").startswith("Bonjour, je travaille pour Re.Mi.")
    count = len(system.twilio.sent_to(number))
    browser.find_element(By.CSS_SELECTOR, "form[action$='/reply'] button[type=submit]").click()

    assert page_status(browser, "Envoyé.") == "Envoyé."
    received = system.twilio.wait_for(number, count + 1)
    assert received[-1].body == "Bonjour, je travaille pour Re.Mi. J'ai lu votre message. Comment puis-je vous aider ?"
    assert "je travaille pour Re.Mi." in browser.find_element(By.ID, "transcript").text
    assert api.detail(hid)["assigned_to"] == username

    (ROOT / "docs").mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ROOT / "docs" / "console.png"))
