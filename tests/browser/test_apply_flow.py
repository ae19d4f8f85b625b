"""A person applies on a phone-sized screen, as a new user would, and reaches their page."""

import pytest

from intake.models import Application

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("prefix", "send", "thanks", "own_page", "hello"),
    [
        (
            "",
            "Send søknaden",
            "Takk – vi har fått søknaden din",
            "Gå til din egen side",
            "Hei, Ingrid",
        ),
        (
            "/en",
            "Send application",
            "Thank you – we have your application",
            "Go to your own page",
            "Hello, Ingrid",
        ),
    ],
)
def test_applying_at_360_px(page, live_server, centre_1, prefix, send, thanks, own_page, hello):
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}{prefix}/")
    page.locator("a[href$='/soknad/']").first.click()

    # Sending an empty form shows what is missing, at the top and at each field.
    page.get_by_role("button", name=send).click()
    assert page.locator("#error-summary").is_visible()
    assert Application.objects.count() == 0

    page.fill("#id_first_name", "Ingrid")
    page.fill("#id_last_name", "Solberg")
    page.fill("#id_email", "ingrid@example.no")
    page.fill("#id_phone", "412 34 567")
    page.fill("#id_birth_date", "1984-03-12")
    page.check("input[value='tue-evening']")
    page.check("input[value='grief']")
    page.fill("#id_about", "Jeg mistet faren min i vår.")
    for box in ["confirm_own_choice", "confirm_weekly", "confirm_commitment", "consent"]:
        page.check(f"#id_{box}")
    # Nothing on the page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name=send).click()

    assert page.get_by_role("heading", level=1).inner_text() == thanks
    assert "113" in page.locator("#urgent-help").inner_text()
    page.get_by_role("link", name=own_page).click()
    assert page.get_by_role("heading", level=1).inner_text() == hello
    application = Application.objects.get()
    assert application.availability == ["tue-evening"]
    assert console_errors == []
