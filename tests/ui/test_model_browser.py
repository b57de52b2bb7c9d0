"""The model browser: search, the "Yours" tab, the context menu, favourites, the cache."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabBar

from leodesk.sim import catalog as sim_catalog
from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    choose_from_context_menu,
    replace_text,
    sim_runtime,
    wait_models,
)

PLATFORM_NAMES = [m.name for m in sim_catalog.PLATFORM_MODELS]
OWN_NAMES = [m.name for m in sim_catalog.custom_models()]


def _names(browser: Any) -> list[str]:
    proxy = browser.proxy
    return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]


def _point_at(qtbot: Any, browser: Any, name: str) -> QPoint:
    proxy = browser.proxy
    rows = [row for row in range(proxy.rowCount()) if proxy.index(row, 0).data() == name]
    assert rows, f"{name!r} is not listed: {_names(browser)}"
    return cell_center(qtbot, browser.view, proxy.index(rows[0], 0))


def _click_tab(qtbot: Any, browser: Any, label: str) -> None:
    tabs = child(browser, QTabBar, "modelTabs")
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == label)
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
    assert tabs.currentIndex() == index


def _model_id(name: str) -> str:
    models = (*sim_catalog.PLATFORM_MODELS, *sim_catalog.custom_models())
    return next(m.id for m in models if m.name == name)


def test_search_is_debounced_filters_and_clears(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    browser = window.browser
    qtbot.waitUntil(lambda: _names(browser) == PLATFORM_NAMES, timeout=10000)
    search = child(browser, QLineEdit, "modelSearch")

    replace_text(qtbot, search, "xl")
    # Typing alone changes nothing: the filter applies after a pause.
    assert _names(browser) == PLATFORM_NAMES
    expected = [n for n in PLATFORM_NAMES if "xl" in n.lower()]
    assert 3 < len(expected) < len(PLATFORM_NAMES)
    qtbot.waitUntil(lambda: _names(browser) == expected, timeout=5000)
    assert "Flux Dev" not in _names(browser)

    # The search also reads descriptions: "cinematic" finds Kino XL only.
    replace_text(qtbot, search, "CINEMATIC")
    qtbot.waitUntil(lambda: _names(browser) == ["Leonardo Kino XL"], timeout=5000)

    replace_text(qtbot, search, "")
    assert search.text() == ""
    qtbot.waitUntil(lambda: _names(browser) == PLATFORM_NAMES, timeout=5000)


def test_your_models_tab_lists_the_accounts_models(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    browser = window.browser
    qtbot.waitUntil(lambda: len(window.ctx.own_models.models()) == len(OWN_NAMES), timeout=10000)
    _click_tab(qtbot, browser, "Yours")
    assert browser.current_tab() == "own"
    assert _names(browser) == OWN_NAMES
    # The search works in this tab too.
    replace_text(qtbot, browser.search, "watercolor")
    qtbot.waitUntil(lambda: _names(browser) == ["My Watercolor Style"], timeout=5000)
    _click_tab(qtbot, browser, "Platform")
    assert _names(browser) == []  # no platform model matches "watercolor"
    replace_text(qtbot, browser.search, "")
    qtbot.waitUntil(lambda: _names(browser) == PLATFORM_NAMES, timeout=5000)


def test_clicking_a_model_sets_the_forms_model(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    browser = window.browser
    qtbot.waitUntil(lambda: _names(browser) == PLATFORM_NAMES, timeout=10000)
    model_button = child(window.form, QPushButton, "modelButton")
    assert model_button.text().startswith("Default model")

    qtbot.mouseClick(
        browser.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=_point_at(qtbot, browser, "Flux Dev"),
    )
    assert model_button.text() == "Flux Dev"
    assert window.form.model().id == _model_id("Flux Dev")

    # The keyboard too: move to the next model and press Enter.
    browser.view.setFocus()
    QTest.keyClick(browser.view, Qt.Key.Key_Right)
    QTest.keyClick(browser.view, Qt.Key.Key_Return)
    assert model_button.text() == "Flux Schnell"

    # An own model from the other tab.
    qtbot.waitUntil(lambda: len(window.ctx.own_models.models()) == len(OWN_NAMES), timeout=10000)
    _click_tab(qtbot, browser, "Yours")
    qtbot.mouseClick(
        browser.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=_point_at(qtbot, browser, "Product Shots v2"),
    )
    assert model_button.text() == "Product Shots v2"


def test_context_menu_copies_the_model_id(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    browser = window.browser
    view = browser.view
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    assert view.receivers("2customContextMenuRequested(QPoint)") > 0
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("before")

    texts = choose_from_context_menu(
        qtbot, view, _point_at(qtbot, browser, "Leonardo Vision XL"), "copyModelIdAction"
    )
    assert texts == ["Use this model", "Copy model ID", "Add to favourites"]
    assert clipboard.text() == _model_id("Leonardo Vision XL")
    assert window.form.model() is None  # a right-click alone does not choose the model

    # "Use this model" from the menu sets the form's model.
    choose_from_context_menu(
        qtbot, view, _point_at(qtbot, browser, "AlbedoBase XL"), "useModelAction"
    )
    assert window.form.model_button.text() == "AlbedoBase XL"
    assert window.form.model().id == _model_id("AlbedoBase XL")


def test_favourites_survive_a_restart_and_the_cache_fills_the_list_first(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    browser = window.browser
    qtbot.waitUntil(lambda: _names(browser) == PLATFORM_NAMES, timeout=10000)
    qtbot.waitUntil(lambda: len(window.ctx.own_models.models()) == len(OWN_NAMES), timeout=10000)

    choose_from_context_menu(
        qtbot, browser.view, _point_at(qtbot, browser, "Leonardo Anime XL"), "toggleFavouriteAction"
    )
    _click_tab(qtbot, browser, "Favourites")
    qtbot.waitUntil(lambda: _names(browser) == ["Leonardo Anime XL"], timeout=5000)
    # An own model can be a favourite too.
    _click_tab(qtbot, browser, "Yours")
    texts = choose_from_context_menu(
        qtbot,
        browser.view,
        _point_at(qtbot, browser, "My Watercolor Style"),
        "toggleFavouriteAction",
    )
    assert "Add to favourites" in texts and texts[-1] == "Delete this model…"
    _click_tab(qtbot, browser, "Favourites")
    qtbot.waitUntil(
        lambda: _names(browser) == ["Leonardo Anime XL", "My Watercolor Style"], timeout=5000
    )
    # In the favourites tab the menu offers removal.
    texts = choose_from_context_menu(
        qtbot, browser.view, _point_at(qtbot, browser, "Leonardo Anime XL"), "copyModelIdAction"
    )
    assert texts[-1] == "Remove from favourites"
    window.close()
    assert window.launcher.ctx is None  # closing shut it down

    # Second start on the same library, with the model list slow to answer.
    sim.clear_requests()
    sim.add_fault("GET", "/platformModels", "slow", delay=1.5, times=1)
    again = apps.start(sim_runtime(sim))
    browser = again.browser
    # The lists come from the library before the network has answered.
    assert _names(browser) == PLATFORM_NAMES
    assert not [r for r in sim.requests if r.path == "/platformModels" and r.status == 200]
    _click_tab(qtbot, browser, "Favourites")
    assert _names(browser) == ["Leonardo Anime XL", "My Watercolor Style"]
    qtbot.waitUntil(lambda: sim.count("GET", "/platformModels") == 1, timeout=5000)
    assert [r.status for r in sim.requests if r.path == "/platformModels"] == [0]  # in flight
    # The refresh lands; the favourites stay.
    qtbot.waitUntil(
        lambda: [r.status for r in sim.requests if r.path == "/platformModels"] == [200],
        timeout=10000,
    )
    pools = again.ctx.backend.pools
    qtbot.waitUntil(lambda: "models" not in pools.running_names(), timeout=10000)
    assert browser.status.text() == ""  # no error
    assert _names(browser) == ["Leonardo Anime XL", "My Watercolor Style"]
    _click_tab(qtbot, browser, "Platform")
    assert _names(browser) == PLATFORM_NAMES
