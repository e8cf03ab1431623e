"""The console in the operator's language (issue 14), in a real browser: French by default,
switched on any page, saved with the account (it follows the operator to a new sign-in); a
Hausa-speaking operator works the queue in Hausa: an urgent handover pushed while the page is
open appears without a reload, is claimed and answered."""

from __future__ import annotations

import uuid

from tests.e2e.test_console import browser, sign_in_browser  # noqa: F401 (the fixture)
from tests.support.operators import add_operator, sign_in
from tests.support.system import new_number


def test_a_hausa_operator_works_in_hausa_and_answers_an_urgent_handover(system, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    username = add_operator(system, "protection", username=f"hauwa-{uuid.uuid4().hex[:4]}")
    api = sign_in(system, username)
    sign_in_browser(browser, system, username)
    browser.get(f"{system.api_url}/console/queue")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"  # French by default
    assert browser.find_element(By.TAG_NAME, "h1").text == "Demandes en attente"

    browser.find_element(By.CSS_SELECTOR, "#languages button[value=ha]").click()
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.documentElement.lang") == "ha")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Buƙatun da ke jira"
    assert "Fita" in browser.find_element(By.CSS_SELECTOR, "header").text  # Sign out

    sign_in_browser(browser, system, username)  # cookies cleared: the account remembers Hausa
    browser.get(f"{system.api_url}/console/queue")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Buƙatun da ke jira"
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "sound-toggle"))
    browser.execute_script("window.stillTheSamePage = true;")

    number, before = new_number(), api.ids()
    system.converse("au secours on me frappe", number)  # words of danger: urgent, protection
    hid = api.new_handover(before)["id"]
    row = WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.ID, f"h-{hid}"))[0]
    assert "Gaggawa" in row.text
    WebDriverWait(browser, 5).until(lambda b: "Buƙatar gaggawa" in b.title)
    assert browser.execute_script("return window.stillTheSamePage") is True  # pushed, not reloaded

    row.find_element(By.CSS_SELECTOR, "button[name=claim]").click()
    WebDriverWait(browser, 10).until(lambda b: f"/console/handovers/{hid}" in b.current_url)
    browser.find_element(By.ID, "reply").send_keys("Ina kike? Muna nan don mu taimaka.")
    count = len(system.twilio.sent_to(number))
    browser.find_element(By.CSS_SELECTOR, "form[action$='/reply'] button[type=submit]").click()
    assert system.twilio.wait_for(number, count + 1)[-1].body == "Ina kike? Muna nan don mu taimaka."
