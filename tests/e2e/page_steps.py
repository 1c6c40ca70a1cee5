"""Steps of a person's use of a Streamlit page that several browser tests share: waiting for a run, regenerating a part."""

from __future__ import annotations


def idle(page) -> None:
    """Wait until Streamlit has finished running the script for the last interaction."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=90_000,
    )
    page.wait_for_timeout(300)


def regenerate(page, part: str) -> None:
    """Open the editor of `part` ("section s2") and click Regenerate, on an idle page, until the app starts on it.

    A click the app never got (the layout moving under the pointer on a loaded machine) is made again,
    once; receipt shows as the regeneration's status box, or its result when the run was quicker."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

    button = page.get_by_role("button", name=f"Regenerate {part}")
    if not button.is_visible():
        page.get_by_text(f"Edit or regenerate {part}").click()
    expect(button).to_be_enabled()
    received = page.get_by_text(f"Regenerating {part}…").or_(
        page.get_by_text(f"{part.capitalize()} regenerated; the rest of the draft is unchanged.")).first
    for _ in range(2):
        idle(page)
        button.scroll_into_view_if_needed()
        button.click()
        try:
            return received.wait_for(state="attached", timeout=30_000)
        except PlaywrightTimeout:
            idle(page)  # a run that started late ends first; its result then shows
            if received.count():
                return
    raise AssertionError(f"two clicks on Regenerate {part} started no regeneration")
