"""Every public page meets WCAG 2.0/2.1 A and AA as far as axe-core can tell, in real Chromium.

axe-core (tests/browser/vendor/axe-core/, MPL-2.0) is evaluated in the page through the
DevTools protocol, so the site's strict Content-Security-Policy stays on while we test.
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

INFO_PAGES = [
    "/om-selvhjelpsgrupper/",
    "/slik-foregar-det/",
    "/gode-samtaler/",
    "/sporsmal-og-svar/",
    "/personvern/",
    "/tilgjengelighet/",
]
PUBLIC_PAGES = [
    "/",
    "/en/",
    *INFO_PAGES,
    *(f"/en{path}" for path in INFO_PAGES),
    "/soknad/",
    "/en/soknad/",
    "/stab/logg-inn/",
]


def axe_violations(page) -> list[dict]:
    page.evaluate(f"{AXE_SOURCE}\n;undefined")
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        WCAG_A_AA,
    )


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("width", [1280, 360], ids=["desktop", "phone"])
def test_public_page_has_no_wcag_violations(page, live_server, centre_1, path, width):
    page.set_viewport_size({"width": width, "height": 800})

    response = page.goto(live_server.url + path)

    assert response.status == 200
    assert page.evaluate("typeof axe") == "undefined"  # nothing of axe is served to visitors
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/slik-foregar-det/", "/en/personvern/"])
def test_keyboard_reaches_the_menu_and_the_application_with_visible_focus(
    page, live_server, centre_1, path
):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + path)

    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    const style = getComputedStyle(el);
                    return {
                        href: el.getAttribute("href"),
                        outline: style.outlineStyle !== "none" && style.outlineWidth !== "0px",
                    };
                }"""
            )
        )

    prefix = "/en" if path.startswith("/en/") else ""
    hrefs = [item["href"] for item in focused]
    assert hrefs[:2] == ["#main", f"{prefix}/"]
    for name in ["om-selvhjelpsgrupper", "slik-foregar-det", "gode-samtaler", "sporsmal-og-svar"]:
        assert f"{prefix}/{name}/" in hrefs
    assert f"{prefix}/soknad/" in hrefs
    assert "#urgent-help" in hrefs
    assert all(item["outline"] for item in focused)
