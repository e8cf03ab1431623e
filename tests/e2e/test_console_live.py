"""The console in real time, in a real browser (issue 14): an urgent handover pushed while the
queue is open appears without a reload and announces itself in the title; a colleague's claim
shows at once on the handover page another operator has open."""

from __future__ import annotations

import uuid

from tests.e2e.test_console import browser, sign_in_browser  # noqa: F401 (the fixture)
from tests.support.operators import add_operator, sign_in
from tests.support.system import new_number


def urgent_handover_arrives(driver, system, api):
    """Words of danger written while the operator's queue is open: the urgent handover's row
    appears without a reload. Returns (its id, the person's number, the row)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda b: b.find_elements(By.ID, "sound-toggle"))  # the live script runs
    driver.execute_script("window.stillTheSamePage = true;")
    number, before = new_number(), api.ids()
    system.converse("au secours on me frappe", number)  # words of danger: urgent, protection
    hid = api.new_handover(before)["id"]
    row = WebDriverWait(driver, 15).until(lambda b: b.find_elements(By.ID, f"h-{hid}"))[0]
    assert driver.execute_script("return window.stillTheSamePage") is True  # pushed, not reloaded
    return hid, number, row


def test_an_urgent_handover_appears_and_announces_itself_without_a_reload(system, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    username = add_operator(system, "protection", username=f"live-{uuid.uuid4().hex[:4]}")
    api = sign_in(system, username)
    sign_in_browser(browser, system, username)
    browser.get(f"{system.api_url}/console/queue")
    hid, number, row = urgent_handover_arrives(browser, system, api)
    assert "Urgent" in row.text
    WebDriverWait(browser, 5).until(lambda b: "Demande urgente" in b.title)  # French: the default

    # A colleague opens it; this operator claims it: the colleague's page shows it at once.
    colleague = add_operator(system, "protection", username=f"live-{uuid.uuid4().hex[:4]}")
    sign_in_browser(browser, system, colleague)
    browser.get(f"{system.api_url}/console/handovers/{hid}")
    assert browser.find_element(By.ID, "claim-state").text == "Prenez la demande en charge pour répondre."
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return !!window.EventSource"))
    browser.execute_script("window.stillTheSamePage = true;")
    assert api.post(f"/api/v1/handovers/{hid}/claim").status_code == 200
    WebDriverWait(browser, 15).until(lambda b: username in b.find_element(By.ID, "status").text)
    assert f"{username} a cette conversation." == browser.find_element(By.ID, "claim-state").text
    assert not browser.find_elements(By.CSS_SELECTOR, "form[action$='/claim']")
    assert browser.execute_script("return window.stillTheSamePage") is True


def test_without_scripts_the_queue_still_refreshes_itself(system):
    """The fallback: a meta refresh every minute, inside <noscript> so that it does not reload a
    page that already updates itself."""
    import httpx

    from tests.support.operators import PASSWORD

    username = add_operator(system, "hotline")
    client = httpx.Client(base_url=system.api_url, timeout=30)
    assert client.post("/console/sign-in", data={"username": username, "password": PASSWORD}).status_code == 303
    page = client.get("/console/queue").text
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in page
