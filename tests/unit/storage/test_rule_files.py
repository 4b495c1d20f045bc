"""The rule-file loader: shipped data loads; bad files are refused with file, rule and field."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from callwarden.errors import InvalidRuleFile
from callwarden.storage.rule_files import (
    base_id,
    default_rule_dir,
    load_examples,
    load_rows,
    load_rule_set,
)

TESTDATA = Path(__file__).resolve().parents[2] / "rules" / "testdata"

WINDOW = """
[[rule]]
id = "{id}"
jurisdiction = "{jurisdiction}"
effective_from = {start}
{end}
citation = "Tex. Bus. & Com. Code 301.051"
purposes = ["telemarketing"]
windows = [{{ days = ["mon", "tue", "wed", "thu", "fri", "sat"], start = "09:00", end = "21:00" }}]
"""

NATIONAL = """
[[rule]]
id = "{id}"
jurisdiction = "US"
effective_from = {start}
citation = "16 CFR 310.4(b)(3)(iv)"
purposes = {purposes}
list_name = "national"
max_age_days = 31
exemptions = ["written"]
"""


def window(
    rule_id: str = "US-TX-CALLING-WINDOW",
    jurisdiction: str = "US-TX",
    start: str = "2000-01-01",
    end: str | None = None,
) -> str:
    return WINDOW.format(
        id=rule_id,
        jurisdiction=jurisdiction,
        start=start,
        end=f"effective_to = {end}" if end else "",
    )


def rule_dir(tmp_path: Path, files: dict[str, str], version: str | None = "2026.12.0") -> Path:
    """A rule directory holding the given files (and VERSION unless None)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    if version is not None:
        (tmp_path / "VERSION").write_text(version + "\n", encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def refused(base: Path, overrides: tuple[Path, ...] = ()) -> InvalidRuleFile:
    with pytest.raises(InvalidRuleFile) as caught:
        load_rule_set(base, overrides)
    return caught.value


class TestShippedData:
    def test_loads_with_a_versioned_label(self) -> None:
        """The shipped data loads; its label is the calendar version plus 12 hex digits."""
        rules = load_rule_set()
        version, digest = rules.label.split("+")
        assert version == (default_rule_dir() / "VERSION").read_text().strip()
        assert len(digest) == 12
        assert int(digest, 16) >= 0

    def test_covers_federal_rules_fifty_states_and_dc(self) -> None:
        """Every family has rows; every state and DC has time zones."""
        rules = load_rule_set()
        for family in ("calling_windows", "restricted_days", "frequency_caps", "dnc_lists"):
            assert getattr(rules, family), family
        assert len(rules.ebr) >= 1
        assert len(rules.abandonment) == 1
        assert len(rules.time_zones) == 51
        assert all(row.meta.citation for row in rules.all_rows())

    def test_loading_is_deterministic(self) -> None:
        """Two loads give the same content hash."""
        assert load_rule_set().content_hash == load_rule_set().content_hash

    def test_versions_of_a_rule_follow_each_other(self) -> None:
        """Connecticut's window narrowed on 2023-10-01: one version before, one after."""
        rules = load_rule_set()
        before = rules.rows("calling_windows", ["CT"], date(2023, 9, 30))
        after = rules.rows("calling_windows", ["CT"], date(2023, 10, 1))
        assert "US-CT-CALLING-WINDOW" in {r.meta.id for r in before}
        assert "US-CT-CALLING-WINDOW-V2" in {r.meta.id for r in after}
        assert "US-CT-CALLING-WINDOW" not in {r.meta.id for r in after}

    def test_examples_are_read(self) -> None:
        """Examples come with the id of their rule."""
        examples = load_examples()
        assert {rule_id for rule_id, _ in examples} >= {"US-TX-CALLING-WINDOW", "US-FED-EBR"}

    def test_the_engine_test_rule_set_loads(self) -> None:
        """The hand-written test rule set passes the same validation."""
        assert load_rule_set(TESTDATA).all_rows()


def test_a_window_for_holidays_loads(tmp_path: Path) -> None:
    text = (
        '[[rule]]\nid = "US-NE-W"\njurisdiction = "US-NE"\neffective_from = 2000-01-01\n'
        'citation = "x 1"\nholiday_calendar = "US-NE"\nholiday_names = ["Arbor Day"]\n'
        'fixed_holidays = [{ name = "X Day", month = 6, day = 1 }]\n'
        'windows = [{ days = ["sun", "holiday"], start = "13:00", end = "21:00" },'
        ' { days = ["mon"], start = "09:00", end = "20:00" }]\n'
    )
    [row] = load_rule_set(rule_dir(tmp_path, {"calling_windows.toml": text})).calling_windows
    assert row.holiday_calendar == "US-NE"
    assert row.holiday_names == ("Arbor Day",)
    assert [h.name for h in row.fixed_holidays] == ["X Day"]
    sunday, monday = row.windows
    assert (sunday.days, sunday.holidays, sunday.start) == (frozenset({6}), True, time(13))
    assert (monday.days, monday.holidays) == (frozenset({0}), False)


class TestBadFiles:
    def test_bad_toml_names_the_file_and_line(self, tmp_path: Path) -> None:
        """A syntax error is refused with the file and the line."""
        base = rule_dir(tmp_path, {"calling_windows.toml": "[[rule]]\nid = \n"})
        error = refused(base)
        assert error.details["file"].endswith("calling_windows.toml")
        assert error.details["field"] == "(syntax)"
        assert "line 2" in error.message

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 is refused, not half-read."""
        base = rule_dir(tmp_path, {})
        (base / "ebr.toml").write_bytes(b"\xff\xfe[[rule]]\n")
        assert refused(base).details["file"].endswith("ebr.toml")

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            (window() + 'colour = "red"\n', "colour"),
            (window().replace('start = "09:00"', 'start = "25:00"'), "windows.0.start"),
            (window().replace('end = "21:00"', 'end = "08:00"'), "windows.0.end"),
            (window().replace('citation = "Tex. Bus. & Com. Code 301.051"\n', ""), "citation"),
            (window(end="1999-01-01"), "effective_to"),
            (window(jurisdiction="US-XX"), "jurisdiction"),
            (window().replace('["telemarketing"]', "[]"), "purposes"),
            (window().replace('["telemarketing"]', '["marketing"]'), "purposes.0"),
            (window() + 'line_types = ["unknown"]\n', "line_types"),
            (
                window().replace(" }]", ' }, { days = ["mon"], start = "10:00", end = "12:00" }]'),
                "windows",
            ),
            (window().replace('id = "US-TX', 'id = "us-tx'), "id"),
            (window() + 'source_url = "ftp://example.org"\n', "source_url"),
        ],
    )
    def test_bad_row_names_file_rule_and_field(self, tmp_path: Path, text: str, field: str) -> None:
        """A bad row is refused with the file, the rule id and the field."""
        base = rule_dir(tmp_path, {"calling_windows.toml": text})
        error = refused(base)
        assert error.details["file"].endswith("calling_windows.toml")
        assert error.details["field"] == field
        assert error.details["rule"] in {"US-TX-CALLING-WINDOW", "us-tx-CALLING-WINDOW"}
        assert field in error.message

    @pytest.mark.parametrize(
        ("name", "text", "field"),
        [
            (
                "restricted_days.toml",
                '[[rule]]\nid = "US-XX-BAN"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\n',
                "weekdays",
            ),
            (
                "calling_windows.toml",
                '[[rule]]\nid = "US-XX-W"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nholiday_calendar = "US"\n'
                'windows = [{ days = ["sun"], start = "13:00", end = "21:00" }]\n',
                "windows",
            ),
            (
                "calling_windows.toml",
                '[[rule]]\nid = "US-XX-W"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\n'
                'windows = [{ days = ["holiday"], start = "13:00", end = "21:00" }]\n',
                "windows",
            ),
            (
                "calling_windows.toml",
                '[[rule]]\nid = "US-XX-W"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nholiday_calendar = "US"\n'
                'windows = [{ days = ["sun", "holiday"], start = "13:00", end = "21:00" },'
                ' { days = ["holiday"], start = "09:00", end = "21:00" }]\n',
                "windows",
            ),
            (
                "calling_windows.toml",
                '[[rule]]\nid = "US-XX-W"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nholiday_names = ["Labor Day"]\nfixed_holidays = '
                '[{ name = "X Day", month = 6, day = 1 }]\n'
                'windows = [{ days = ["holiday"], start = "13:00", end = "21:00" }]\n',
                "holiday_names",
            ),
            (
                "calling_windows.toml",
                '[[rule]]\nid = "US-XX-W"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nholiday_calendar = "US-ZZ"\n'
                'windows = [{ days = ["holiday"], start = "13:00", end = "21:00" }]\n',
                "holiday_calendar",
            ),
            (
                "restricted_days.toml",
                '[[rule]]\nid = "US-XX-BAN"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nfixed_holidays = [{ name = "X Day", month = 2, day = 30 }]\n',
                "fixed_holidays.0",
            ),
            (
                "restricted_days.toml",
                '[[rule]]\nid = "US-XX-BAN"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nfixed_holidays = [{ name = "X Day", month = 13, day = 1 }]\n',
                "fixed_holidays.0.month",
            ),
            (
                "restricted_days.toml",
                '[[rule]]\nid = "US-XX-BAN"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nfixed_holidays = [{ name = "", month = 6, day = 14 }]\n',
                "fixed_holidays.0.name",
            ),
            (
                "restricted_days.toml",
                '[[rule]]\nid = "US-XX-BAN"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nholiday_calendar = "US-QQ"\n',
                "holiday_calendar",
            ),
            (
                "frequency_caps.toml",
                '[[rule]]\nid = "US-CAP"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nmax_attempts = 3\nwindow_hours = 24\nwindow_days = 1\n',
                "window_days",
            ),
            (
                "dnc_lists.toml",
                '[[rule]]\nid = "US-TX-LIST"\njurisdiction = "US-FL"\n'
                'effective_from = 2000-01-01\ncitation = "x 1"\nlist_name = "state:TX"\n',
                "list_name",
            ),
            (
                "dnc_lists.toml",
                '[[rule]]\nid = "US-OWN"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nlist_name = "internal"\nexemptions = ["written"]\n',
                "exemptions",
            ),
            (
                "consent_requirements.toml",
                '[[rule]]\nid = "US-C"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\naccepted = []\n',
                "accepted",
            ),
            (
                "ebr.toml",
                '[[rule]]\nid = "US-EBR"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\npurchase_months = 18\ninquiry_months = 3\n'
                'purposes = ["telemarketing"]\n',
                "purposes",
            ),
            (
                "abandonment.toml",
                '[[rule]]\nid = "US-AB"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
                'citation = "x 1"\nmax_rate = 3\nwindow_days = 30\nconnect_within_s = 2\n',
                "max_rate",
            ),
        ],
    )
    def test_family_fields_are_checked(
        self, tmp_path: Path, name: str, text: str, field: str
    ) -> None:
        """Each family's own fields are validated and named."""
        error = refused(rule_dir(tmp_path, {name: text}))
        assert error.details["field"] == field
        assert error.details["file"].endswith(name)

    @pytest.mark.parametrize(
        ("example", "field"),
        [
            ('{ at = "2026-04-15T12:00:00", phone = "2142345678", expect = "deny" }', "at"),
            ('{ at = "2026-04-15T12:00:00-05:00", phone = "2142345678", expect = "no" }', "expect"),
            (
                '{ at = "2026-04-15T12:00:00-05:00", phone = "2142345678", expect = "deny",'
                ' dnc = ["federal"] }',
                "dnc",
            ),
            (
                '{ at = "2026-04-15T12:00:00-05:00", phone = "2142345678", expect = "deny",'
                " revoked_days_ago = 2 }",
                "revoked_days_ago",
            ),
            (
                '{ at = "2026-04-15T12:00:00-05:00", phone = "2142345678", expect = "deny",'
                " abandon = { answered = 1, abandoned = 2 } }",
                "abandon.abandoned",
            ),
        ],
    )
    def test_bad_examples_are_refused(self, tmp_path: Path, example: str, field: str) -> None:
        """An example must be a well-formed attempt with well-formed facts."""
        text = window() + f"examples = [{example}]\n"
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": text}))
        assert error.details["field"] == f"examples.0.{field}"

    def test_rule_that_is_not_a_table(self, tmp_path: Path) -> None:
        """``rule = 3`` is refused rather than ignored."""
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": "rule = 3\n"}))
        assert error.details["field"] == "rule"

    def test_unknown_top_level_key(self, tmp_path: Path) -> None:
        """A misspelt table name (``[[rules]]``) is refused."""
        text = window().replace("[[rule]]", "[[rules]]")
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": text}))
        assert error.details["field"] == "rules"

    def test_empty_file_has_no_rules(self, tmp_path: Path) -> None:
        """An empty family file is valid and adds nothing."""
        rules = load_rule_set(rule_dir(tmp_path, {"calling_windows.toml": ""}))
        assert rules.calling_windows == ()

    def test_unknown_file_is_refused(self, tmp_path: Path) -> None:
        """A misnamed rule file is refused instead of silently skipped."""
        error = refused(rule_dir(tmp_path, {"calling_window.toml": window()}))
        assert error.details["file"].endswith("calling_window.toml")

    @pytest.mark.parametrize("version", [None, "next", "2026.13.0", "26.1.0"])
    def test_version_file_is_required_and_calendar_versioned(
        self, tmp_path: Path, version: str | None
    ) -> None:
        """VERSION must exist and read YYYY.MM.PATCH."""
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": window()}, version))
        assert error.details["file"].endswith("VERSION")

    def test_missing_directory(self, tmp_path: Path) -> None:
        """A directory that does not exist is named."""
        assert refused(tmp_path / "nowhere").details["file"].endswith("nowhere")

    def test_duplicate_zones(self, tmp_path: Path) -> None:
        """A state listed twice in time_zones.toml is refused."""
        text = '[[state]]\nstate = "TX"\nzones = ["America/Chicago"]\n' * 2
        error = refused(rule_dir(tmp_path, {"time_zones.toml": text}))
        assert error.details == {
            "file": str(tmp_path / "time_zones.toml"),
            "rule": "TX",
            "field": "state",
        }

    def test_bad_zone_name(self, tmp_path: Path) -> None:
        """A zone that is not an IANA name is refused."""
        text = '[[state]]\nstate = "TX"\nzones = ["Texas/Dallas"]\n'
        assert refused(rule_dir(tmp_path, {"time_zones.toml": text})).details["field"] == "zones"

    def test_many_rows_load(self, tmp_path: Path) -> None:
        """A file of two thousand rows loads (and is indexed)."""
        text = "".join(window(rule_id=f"SELLER-TX-WINDOW-{n}") for n in range(2000))
        rules = load_rule_set(rule_dir(tmp_path, {"calling_windows.toml": text}))
        assert len(rules.rows("calling_windows", ["TX"], date(2026, 1, 1))) == 2000


class TestIdsAndOverlaps:
    def test_duplicate_id_in_one_file(self, tmp_path: Path) -> None:
        """An id used twice is refused, naming the rule and both places."""
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": window() + window()}))
        assert error.details["rule"] == "US-TX-CALLING-WINDOW"
        assert error.details["field"] == "id"
        assert "used twice" in error.message

    def test_duplicate_id_across_families(self, tmp_path: Path) -> None:
        """Ids are unique across every family."""
        ban = (
            '[[rule]]\nid = "US-TX-CALLING-WINDOW"\njurisdiction = "US-TX"\n'
            'effective_from = 2000-01-01\ncitation = "x 1"\nweekdays = ["sun"]\n'
        )
        base = rule_dir(tmp_path, {"calling_windows.toml": window(), "restricted_days.toml": ban})
        assert refused(base).details["other_file"].endswith("calling_windows.toml")

    def test_overlapping_versions_are_refused(self, tmp_path: Path) -> None:
        """Two versions of one rule may not be in force at once."""
        text = window(end="2024-01-01") + window("US-TX-CALLING-WINDOW-V2", start="2023-06-01")
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": text}))
        assert error.details["rule"] == "US-TX-CALLING-WINDOW-V2"
        assert error.details["other_rule"] == "US-TX-CALLING-WINDOW"
        assert error.details["field"] == "effective_from"
        assert "overlap" in error.message

    def test_an_open_ended_version_overlaps_every_later_one(self, tmp_path: Path) -> None:
        """A version without effective_to is still in force when the next one starts."""
        text = window() + window("US-TX-CALLING-WINDOW-V2", start="2030-01-01")
        assert "overlap" in refused(rule_dir(tmp_path, {"calling_windows.toml": text})).message

    def test_successive_versions_load(self, tmp_path: Path) -> None:
        """Versions that follow each other load, and each applies in its own time."""
        text = window(end="2024-01-01") + window("US-TX-CALLING-WINDOW-V2", start="2024-01-01")
        rules = load_rule_set(rule_dir(tmp_path, {"calling_windows.toml": text}))
        ids = [r.meta.id for r in rules.rows("calling_windows", ["TX"], date(2024, 1, 1))]
        assert ids == ["US-TX-CALLING-WINDOW-V2"]

    def test_a_version_must_keep_family_and_jurisdiction(self, tmp_path: Path) -> None:
        """``X-V2`` of another jurisdiction is a mistake, not a new rule."""
        text = window(end="2024-01-01") + window(
            "US-TX-CALLING-WINDOW-V2", jurisdiction="US-OK", start="2024-01-01"
        )
        error = refused(rule_dir(tmp_path, {"calling_windows.toml": text}))
        assert "another family or jurisdiction" in error.message

    def test_additive_rows_may_overlap(self, tmp_path: Path) -> None:
        """Two different windows of one state both apply: every applicable row must allow."""
        text = window() + window("US-TX-SELLER-WINDOW")
        rules = load_rule_set(rule_dir(tmp_path, {"calling_windows.toml": text}))
        assert len(rules.calling_windows) == 2

    def test_one_setting_per_list_and_scope(self, tmp_path: Path) -> None:
        """Two national-list rows of the same scope in force at once are refused."""
        text = NATIONAL.format(id="US-A", start="2004-01-01", purposes='["telemarketing"]')
        text += NATIONAL.format(id="US-B", start="2010-01-01", purposes='["telemarketing"]')
        error = refused(rule_dir(tmp_path, {"dnc_lists.toml": text}))
        assert error.details["rule"] == "US-B"
        assert "settings of one list" in error.message

    def test_list_rows_of_different_scopes_may_overlap(self, tmp_path: Path) -> None:
        """A list may carry different settings for different purposes."""
        text = NATIONAL.format(id="US-A", start="2004-01-01", purposes='["telemarketing"]')
        text += NATIONAL.format(id="US-B", start="2004-01-01", purposes='["informational"]')
        assert len(load_rule_set(rule_dir(tmp_path, {"dnc_lists.toml": text})).dnc_lists) == 2

    def test_one_ebr_per_jurisdiction(self, tmp_path: Path) -> None:
        """Two federal EBR durations in force at once are refused."""
        row = (
            '[[rule]]\nid = "{id}"\njurisdiction = "US"\neffective_from = 2000-01-01\n'
            'citation = "47 CFR 64.1200(f)(5)"\npurchase_months = {m}\ninquiry_months = 3\n'
        )
        text = row.format(id="US-EBR-A", m=18) + row.format(id="US-EBR-B", m=12)
        assert refused(rule_dir(tmp_path, {"ebr.toml": text})).details["rule"] == "US-EBR-B"

    @pytest.mark.parametrize(
        ("rule_id", "base"),
        [
            ("US-CT-CALLING-WINDOW-V2", "US-CT-CALLING-WINDOW"),
            ("US-V2-X", "US-V2-X"),
            ("A-V10", "A"),
        ],
    )
    def test_base_id(self, rule_id: str, base: str) -> None:
        """Only a trailing -V<n> is a version suffix."""
        assert base_id(rule_id) == base


class TestOverrides:
    def test_an_override_adds_rows(self, tmp_path: Path) -> None:
        """An override's rows join the shipped ones; the version says so and the hash changes."""
        extra = rule_dir(tmp_path / "ovr", {"calling_windows.toml": window("ACME-TX-QUIET")}, None)
        shipped = load_rule_set()
        layered = load_rule_set(overrides=[extra])
        assert layered.version == shipped.version + "+overrides"
        assert layered.content_hash != shipped.content_hash
        assert len(layered.calling_windows) == len(shipped.calling_windows) + 1

    def test_an_override_cannot_reuse_a_shipped_id(self, tmp_path: Path) -> None:
        """Replacing a shipped rule (for example with a weaker window) is refused."""
        extra = rule_dir(tmp_path / "ovr", {"calling_windows.toml": window()}, None)
        error = refused(default_rule_dir(), (extra,))
        assert "shipped rule" in error.message
        assert error.details["file"] == str(extra / "calling_windows.toml")
        assert error.details["rule"] == "US-TX-CALLING-WINDOW"

    def test_an_override_cannot_supersede_a_shipped_rule(self, tmp_path: Path) -> None:
        """A new version of a shipped rule overlaps it and is refused."""
        text = window("US-TX-CALLING-WINDOW-V2", start="2027-01-01")
        extra = rule_dir(tmp_path / "ovr", {"calling_windows.toml": text}, None)
        assert "overlap" in refused(default_rule_dir(), (extra,)).message

    def test_an_override_cannot_add_a_second_national_setting(self, tmp_path: Path) -> None:
        """The shipped national-list row cannot be shadowed by another of the same scope."""
        text = NATIONAL.format(id="ACME-NATIONAL", start="2026-01-01", purposes='["telemarketing"]')
        extra = rule_dir(tmp_path / "ovr", {"dnc_lists.toml": text}, None)
        assert refused(default_rule_dir(), (extra,)).details["rule"] == "ACME-NATIONAL"

    def test_an_override_cannot_change_time_zones(self, tmp_path: Path) -> None:
        """Time zones are geography: an override holding time_zones.toml is refused."""
        text = '[[state]]\nstate = "FL"\nzones = ["America/New_York"]\n'
        extra = rule_dir(tmp_path / "ovr", {"time_zones.toml": text}, None)
        assert refused(default_rule_dir(), (extra,)).details["file"].endswith("time_zones.toml")

    def test_an_empty_override_is_refused(self, tmp_path: Path) -> None:
        """An override directory without rule files is most likely the wrong directory."""
        extra = rule_dir(tmp_path / "ovr", {}, None)
        assert refused(default_rule_dir(), (extra,)).details["file"] == str(extra)

    def test_rows_know_where_they_came_from(self, tmp_path: Path) -> None:
        """Loaded rows carry their file and whether they are shipped."""
        extra = rule_dir(tmp_path / "ovr", {"calling_windows.toml": window("ACME-TX-QUIET")}, None)
        rows = load_rows(default_rule_dir(), [extra])
        mine = [r for r in rows if r.row.id == "ACME-TX-QUIET"]
        assert len(mine) == 1
        assert not mine[0].shipped
        assert mine[0].path == extra / "calling_windows.toml"
        assert all(r.shipped for r in rows if r.row.id != "ACME-TX-QUIET")
