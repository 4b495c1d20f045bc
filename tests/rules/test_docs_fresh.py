"""``docs/rules.md`` is what the generator makes of the shipped rule data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from callwarden.interfaces.cli import rules_doc
from callwarden.storage.rule_files import load_examples, load_rule_set

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_page_is_current() -> None:
    """The page equals the generator's output (run ``make docs`` to update it)."""
    rules = load_rule_set()
    expected = rules_doc.render(rules, Counter(rule_id for rule_id, _ in load_examples()))
    assert DOCS.read_text(encoding="utf-8") == expected, "docs/rules.md is stale: make docs"


def test_rules_page_lists_every_rule_and_jurisdiction() -> None:
    """Every rule id has its own heading, and every state and DC has a section."""
    text = DOCS.read_text(encoding="utf-8")
    rules = load_rule_set()
    for row in rules.all_rows():
        assert f"\n### {row.meta.id}\n" in text
    for zones in rules.time_zones:
        assert f"\n## US-{zones.state}: " in text
    assert "a seller may add stricter rules, never weaker federal ones" in text.lower()


def test_check_mode_reports_a_stale_page(tmp_path: Path) -> None:
    """``--check`` exits 1 for a stale page and 0 once it is written."""
    page = tmp_path / "rules.md"
    page.write_text("# stale\n", encoding="utf-8")
    assert rules_doc.main([str(page), "--check"]) == 1
    assert rules_doc.main([str(page)]) == 0
    assert rules_doc.main([str(page), "--check"]) == 0
