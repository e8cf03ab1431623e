"""The reply box's cost meter (api/static/sms.js) in a real browser: for each text it shows the
encoding and SMS segments that remi/sms.py computes for what the outbox will send (GSM-7 folding
included), and warns above 3 segments. The rules come from remi/sms.py through the page, so the
browser and the outbox cannot drift apart; this test compares the two on texts that matter."""

from __future__ import annotations

import uuid

from remi import sms
from tests.e2e.test_console import browser, sign_in_browser  # noqa: F401 (the fixture)
from tests.support.operators import add_operator, sign_in
from tests.support.system import new_number

TEXTS = [
    "Bonjour, où êtes-vous ?",  # ù is GSM-7, ê folds to e
    "Ina kike? Za mu taimaka maki ƙwarai, ɗan uwa.",  # Hausa hooks fold: GSM-7
    "Prix: 5 € [tarif]",  # extension table: two septets each
    "Merci 🙏",  # no GSM-7 form: UCS-2
    "Sannu " * 30,  # 180 characters: two segments
    "Nous sommes là pour vous aider, écrivez-nous quand vous voulez. " * 8,  # over 3 segments
]


def test_the_reply_box_counts_what_the_outbox_will_send(system, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    username = add_operator(system, "hotline", username=f"cost-{uuid.uuid4().hex[:4]}")
    api = sign_in(system, username)
    number, before = new_number(), api.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)  # 4 Parler à quelqu'un
    hid = api.new_handover(before)["id"]
    assert api.post(f"/api/v1/handovers/{hid}/claim").status_code == 200

    sign_in_browser(browser, system, username)
    browser.get(f"{system.api_url}/console/handovers/{hid}")
    meter = browser.find_element(By.ID, "reply-cost")
    for text in TEXTS:
        browser.execute_script(
            "const box = document.getElementById('reply'); box.value = arguments[0];"
            " box.dispatchEvent(new Event('input'));",
            text,
        )
        expected = sms.sent_segments(text)
        assert meter.get_attribute("data-encoding") == expected.encoding, text
        assert meter.get_attribute("data-segments") == str(expected.count), text
        assert f"{len(text)} caractères" in meter.text  # the console in French, its default
        assert ("Plus de 3 segments" in meter.text) == (expected.count > 3), text
