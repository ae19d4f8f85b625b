"""The home page in a real browser: language, heading, urgent help, no CSP violations."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "lang", "heading", "switch_to", "other_heading"),
    [
        ("/", "nb", "Selvhjelpsgrupper", "English", "Self-help groups"),
        ("/en/", "en", "Self-help groups", "Norsk (bokmål)", "Selvhjelpsgrupper"),
    ],
)
def test_home_in_both_languages(
    page, live_server, centre_1, path, lang, heading, switch_to, other_heading
):
    console_errors = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )

    page.goto(live_server.url + path)

    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_by_role("heading", level=1).all_inner_texts() == [heading]
    urgent = page.locator("#urgent-help")
    assert urgent.is_visible()
    assert "113" in urgent.inner_text()
    assert "116 117" in urgent.inner_text()
    # Our stylesheet loaded (CSP allows 'self'): the urgent-help box has its own background.
    assert urgent.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(253, 243, 227)"

    page.get_by_role("link", name=switch_to).click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1).all_inner_texts() == [other_heading]
    assert console_errors == []


def test_skip_link_is_first_and_leads_to_main(page, live_server, db):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hopp til hovedinnholdet"
    assert page.locator(".skip-link").is_visible()
    # Nothing is wider than a 360 px phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") == 360
