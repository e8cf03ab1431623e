"""The console in the operator's language (issue 14), in a real browser: French by default,
switched on any page, saved with the account (it follows the operator to a new sign-in); a
Hausa-speaking operator works the queue in Hausa: an urgent handover pushed while the page is
open appears without a reload, is claimed and answered."""

from __future__ import annotations

import uuid

from tests.e2e.test_console import browser, sign_in_browser  # noqa: F401 (the fixture)
from tests.e2e.test_console_live import urgent_handover_arrives
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
    hid, number, row = urgent_handover_arrives(browser, system, api)
    assert "Gaggawa" in row.text
    WebDriverWait(browser, 5).until(lambda b: "Buƙatar gaggawa" in b.title)

    row.find_element(By.CSS_SELECTOR, "button[name=claim]").click()
    WebDriverWait(browser, 10).until(lambda b: f"/console/handovers/{hid}" in b.current_url)
    browser.find_element(By.ID, "reply").send_keys("Ina kike? Muna nan don mu taimaka.")
    count = len(system.twilio.sent_to(number))
    browser.find_element(By.CSS_SELECTOR, "form[action$='/reply'] button[type=submit]").click()
    assert system.twilio.wait_for(number, count + 1)[-1].body == "Ina kike? Muna nan don mu taimaka."


def test_a_hausa_operator_is_told_in_hausa_of_whatsapp_s_window_and_of_a_refused_reply(system, browser):  # noqa: F811
    """The handover page in Hausa: a reply Twilio accepts and then reports refused (63016, by
    its status callback) shows as not delivered, with the reason, without a reload; after 24
    hours the page offers the approved invitation, and Twilio receives a ContentSid message."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.e2e.test_whatsapp_window import close_window
    from tests.support.system import PUBLIC_BASE_URL

    username = add_operator(system, "hotline-ha", username=f"binta-{uuid.uuid4().hex[:4]}")
    api = sign_in(system, username)
    sign_in_browser(browser, system, username)
    browser.get(f"{system.api_url}/console/queue")
    browser.find_element(By.CSS_SELECTOR, "#languages button[value=ha]").click()
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.documentElement.lang") == "ha")

    number, before = new_number(), api.ids()
    address = "whatsapp:" + number
    system.converse("Sannu", number, whatsapp=True)
    system.converse("ina son magana da mutum", number, whatsapp=True)
    hid = api.new_handover(before)["id"]
    assert api.post(f"/api/v1/handovers/{hid}/claim").status_code == 200
    browser.get(f"{system.api_url}/console/handovers/{hid}")
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Lokacin amsa" in facts and "a buɗe har na 23 h" in facts  # the window, in Hausa
    assert browser.find_element(By.ID, "reply-heading").text == "Amsa"

    twilio = system.twilio
    twilio.callback_errors[address] = "63016"  # accepted, then reported refused, as Twilio does
    twilio.callback_proxy = (PUBLIC_BASE_URL, system.api_url)
    try:
        count = len(twilio.sent_to(address))
        browser.find_element(By.ID, "reply").send_keys("Ina kuke yanzu?")
        browser.find_element(By.CSS_SELECTOR, "form[action$='/reply'] button[type=submit]").click()
        twilio.wait_for(address, count + 1)
        from selenium.common.exceptions import StaleElementReferenceException

        # The live update replaces the transcript while it is read: a stale element is read again.
        WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda b: "Bai isa ba:" in b.find_element(By.ID, "transcript").text
        )
        transcript = browser.find_element(By.ID, "transcript").text
        assert "a wajen lokacin awa 24 na WhatsApp" in transcript and "ya kasa" in transcript
    finally:
        twilio.callback_errors.pop(address, None)
        twilio.callback_proxy = None

    close_window(system, number)  # as if the person last wrote more than 24 hours ago
    browser.get(f"{system.api_url}/console/handovers/{hid}")
    assert "Lokacin amsa na awa 24 na WhatsApp ya rufe" in browser.find_element(By.ID, "window-closed").text
    count = len(twilio.sent_to(address))
    browser.find_element(By.ID, "reply").send_keys("Muna nan don mu taimaka muku.")
    browser.find_element(By.ID, "send-invitation").click()
    invitation = twilio.wait_for(address, count + 1)[-1]
    assert invitation.content_sid.startswith("HXinviteha") and not invitation.body
    WebDriverWait(browser, 10).until(
        lambda b: "an aika gayyata" in b.find_element(By.CSS_SELECTOR, "[role=status]").text
    )
    assert "ana jiran mutumin ya sake rubutowa" in browser.find_element(By.ID, "transcript").text
