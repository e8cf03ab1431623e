"""Safety alerts from the console in a real headless browser (Debian's chromium, as
tests/e2e/test_console.py): a supervisor writes an alert for Agadez in three languages and sees
it as the phone will; the author cannot approve it; a second supervisor approves it, and each
subscriber's phone (the Twilio stand-in) gets it in their language."""

from __future__ import annotations

import time

from tests.e2e.test_console import browser, page_status, sign_in_browser  # noqa: F401  (the fixture)
from tests.e2e.transcript import Phone
from tests.support.operators import add_operator

TEXTS = {
    "fr": "Choléra à Agadez : buvez de l'eau traitée. Soins gratuits au CSI Dagmanet.",
    "ha": "Kwalara a Agadez: ku sha ruwa mai tsabta. Ana jinya kyauta a CSI Dagmanet.",
    "en": "Cholera in Agadez: drink treated water. Free care at CSI Dagmanet.",
}


def test_a_supervisor_writes_an_alert_for_agadez_another_approves_and_it_is_sent(system, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    phones = {}
    for lang, digit, words in (
        ("fr", "1", "ALERTE AGADEZ"),
        ("ha", "2", "FADAKARWA AGADEZ"),
        ("en", "3", "ALERT AGADEZ"),
    ):
        phone = phones[lang] = Phone(system)
        phone.say("ok")
        phone.say(digit)
        phone.say(words)
    author, approver = add_operator(system, "hotline", "supervisor"), add_operator(system, "hotline", "supervisor")

    sign_in_browser(browser, system, author)
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/console/alerts']").click()  # in the operator's language
    browser.find_element(By.LINK_TEXT, "Écrire une nouvelle alerte").click()  # French by default
    browser.find_element(By.ID, "town-Agadez").click()
    for lang, text in TEXTS.items():
        browser.find_element(By.ID, f"text_{lang}").send_keys(text)
    browser.find_element(By.ID, "preview-button").click()
    hausa = browser.find_element(By.ID, "version-ha").text
    assert "Kwalara a Agadez" in hausa and "GSM-7" in hausa and "SMS : " in hausa
    assert "Alerte Re.Mi., Agadez : Choléra" in browser.find_element(By.ID, "version-fr").text
    browser.find_element(By.ID, "submit-button").click()
    assert "un autre superviseur" in page_status(browser, "un autre superviseur")
    assert not browser.find_elements(By.ID, "approve-button")  # the author sees no approval
    alert_url = browser.current_url.split("?")[0]

    sign_in_browser(browser, system, approver)
    browser.get(alert_url)
    browser.find_element(By.ID, "approve-button").click()
    browser.switch_to.alert.accept()  # "Approve and send this alert now?"
    assert "Approuvée" in page_status(browser, "Approuvée")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "envoi terminé" not in browser.find_element(By.ID, "alert-status").text:
        time.sleep(1)
        browser.refresh()
    assert browser.find_element(By.ID, "alert-status").text == "envoi terminé"
    assert approver in browser.find_element(By.ID, "approved-by").text

    expected = {
        "fr": "Alerte Re.Mi., Agadez : Choléra",
        "ha": "Fadakarwar Re.Mi., Agadez: Kwalara",
        "en": "Re.Mi. alert, Agadez: Cholera",
    }
    for lang, phone in phones.items():
        got = [m.body for m in system.twilio.sent_to(phone.number) if "Dagmanet" in m.body]
        assert len(got) == 1 and got[0].startswith(expected[lang]), (lang, got)
