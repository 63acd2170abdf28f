"""A campaign run over a tiny store, with a scripted generator: every guardrail catches what it must,
failures are regenerated once then fall back to a template, and reruns resume."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from assistant.push.guardrails import language_problems
from assistant.push.ledger import CampaignChanged
from assistant.push.records import PushMessage
from tests.assistant.push_fakes import ScriptedGenerator
from tests.assistant.push_store import NOW, build_push_store, user_id, write_campaign


@pytest.fixture
def shop(tmp_path):
    shop = build_push_store(tmp_path / "home")
    # Ravi already got two pushes from another campaign this week: the frequency cap must hold him.
    other = [
        PushMessage(
            campaign=f"other{i}",
            user=user_id("Ravi"),
            variant="A",
            products=("P3",),
            title="t",
            body=f"b{i}",
            deep_link="",
            reasons=(),
            checks={},
            model="m",
            language="en",
            channel="push",
            send_at=NOW - timedelta(days=i + 1),
        )
        for i in range(2)
    ]
    shop.push_ledger.commit(other)
    yield shop
    shop.close()


def outbox(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def by_user(lines: list[dict]) -> dict[str, dict]:
    return {line["user"]: line for line in lines}


def test_each_rule_holds_and_the_outbox_follows_the_contract(shop, tmp_path):
    campaign = write_campaign(tmp_path)
    out = tmp_path / "outbox.jsonl"
    gen = ScriptedGenerator({"Alex": ["wrong_price"], "Zoe": ["too_long", "ok"], "Ben": ["banned"]})
    summary = shop.push(campaign, out=out, now=NOW, generator=gen, batch_size=4)
    lines = by_user(outbox(out))
    assert set(lines) == {user_id(n) for n in ("Alex", "Mei", "Leo", "Zoe", "Ben")}
    # Left out or skipped, never written: opted out, bought every promoted product, frequency cap.
    assert summary.left_out == {"not_opted_in": 1}
    assert summary.skipped == {"recently_bought": 1, "frequency_cap": 1}
    assert user_id("Sam") not in lines and user_id("Nora") not in lines and user_id("Ravi") not in lines
    for line in lines.values():
        for key in (
            "campaign",
            "user",
            "variant",
            "products",
            "title",
            "body",
            "checks",
            "model",
            "deep_link",
            "reasons",
        ):
            assert key in line
        assert len(line["title"]) <= 40 and len(line["body"]) <= 120
        assert line["variant"] in ("A", "B") and line["products"][0] in line["deep_link"]
        assert {
            "opted_in",
            "quiet_hours",
            "frequency_cap",
            "facts",
            "length",
            "banned_words",
            "not_recently_bought",
            "unique_body",
        } <= set(line["checks"]["passed"])
        sale = line["offers"][0]["sale_price"]
        assert f"{sale:,.2f}" in line["body"]


def test_a_wrong_price_from_the_model_is_caught_retried_and_replaced_by_the_template(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    gen = ScriptedGenerator({"Alex": ["wrong_price"]})
    shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=gen)
    alex = by_user(outbox(out))[user_id("Alex")]
    assert alex["checks"]["first_try"] is False and alex["checks"]["attempts"] == 2
    assert alex["checks"]["fallback"] == "facts" and alex["model"] == "template"
    assert any(p.startswith("facts:") for p in alex["checks"]["problems"])
    price = {"P1": 119.99, "P2": 95.99, "P4": 51.99}[alex["products"][0]]
    assert f"${price:,.2f}" in alex["body"]


def test_a_failure_fixed_on_the_retry_keeps_the_models_words(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    gen = ScriptedGenerator({"Zoe": ["too_long", "ok"], "Ben": ["banned", "ok"]})
    summary = shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=gen)
    lines = by_user(outbox(out))
    for name in ("Zoe", "Ben"):
        line = lines[user_id(name)]
        assert line["checks"]["attempts"] == 2 and line["checks"]["fallback"] is None
        assert line["model"] == "scripted" and line["body"].startswith(f"{name}, the ")
    assert any("length" in p for p in lines[user_id("Zoe")]["checks"]["problems"])
    assert any("banned" in p for p in lines[user_id("Ben")]["checks"]["problems"])
    assert summary.first_try == 3 and not summary.fallbacks


def test_a_draft_with_nothing_of_its_own_is_asked_again_and_kept_if_the_retry_fails(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    gen = ScriptedGenerator({"Zoe": ["ok", "personal"], "Ben": ["ok", "junk"]})
    shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=gen)
    lines = by_user(outbox(out))
    zoe, ben = lines[user_id("Zoe")], lines[user_id("Ben")]
    assert "Think " in zoe["body"] and zoe["model"] == "scripted"
    assert zoe["checks"]["first_try"] is True and zoe["checks"]["attempts"] == 2
    assert any(p.startswith("personal:") for p in zoe["checks"]["problems"])
    # Ben's second draft is junk: his first, which passed every check, is sent rather than a template.
    assert ben["model"] == "scripted" and ben["checks"]["fallback"] is None
    assert ben["body"].startswith("Ben, the ") and "Think" not in ben["body"]


def test_a_rambling_draft_is_trimmed_to_its_whole_sentences_and_passes_first_time(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    summary = shop.push(
        write_campaign(tmp_path), out=out, now=NOW, generator=ScriptedGenerator({"Zoe": ["rambling"]})
    )
    line = by_user(outbox(out))[user_id("Zoe")]
    assert line["checks"]["first_try"] and line["checks"]["fallback"] is None and line["model"] == "scripted"
    assert (
        line["body"].startswith("Zoe, the ") and line["body"].endswith("Really!") and len(line["body"]) <= 120
    )
    assert line["body"].count("Really!") < 20  # what did not fit was cut at a sentence's end
    assert summary.first_try == summary.written


def test_too_long_and_banned_twice_fall_back_with_counted_reasons(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    gen = ScriptedGenerator({"Zoe": ["too_long"], "Ben": ["banned"], "Alex": ["junk"]})
    summary = shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=gen)
    assert summary.fallbacks["length"] == 1 and summary.fallbacks["banned_words"] == 1
    assert sum(summary.fallbacks.values()) == 3
    report = shop.push_report("boots")
    assert report["fallback_reasons"]["length"] == 1 and report["fallback_rate"] == round(3 / 5, 4)


def test_quiet_hours_move_the_send_or_drop_the_user(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=ScriptedGenerator())
    leo = by_user(outbox(out))[user_id("Leo")]
    assert leo["send_at"] == "2026-11-21T13:00:00+00:00"  # 08:00 in New York, the end of his quiet hours
    narrow = write_campaign(tmp_path, "narrow", end="2026-11-21T12:30:00Z")
    summary = shop.push(narrow, out=tmp_path / "narrow.jsonl", now=NOW, generator=ScriptedGenerator())
    assert summary.skipped.get("quiet_hours") == 1
    assert user_id("Leo") not in by_user(outbox(tmp_path / "narrow.jsonl"))


def test_chinese_readers_get_chinese_and_english_copy_for_them_is_caught(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=ScriptedGenerator())
    mei = by_user(outbox(out))[user_id("Mei")]
    assert mei["language"] == "zh" and "现价" in mei["body"] and mei["checks"]["fallback"] is None
    gen = ScriptedGenerator({"Mei": ["generic"]})
    shop.push(write_campaign(tmp_path, "boots2"), out=tmp_path / "o2.jsonl", now=NOW, generator=gen)
    mei = by_user(outbox(tmp_path / "o2.jsonl"))[user_id("Mei")]
    # The template is in Chinese (its wording varies per person, so no one word is looked for).
    assert mei["checks"]["fallback"] == "language" and not language_problems(mei["body"], "zh")


def test_personalized_campaigns_never_repeat_a_body_within_a_segment(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    summary = shop.push(
        write_campaign(tmp_path, variants=1),
        out=out,
        now=NOW,
        generator=ScriptedGenerator(default="nameless"),
    )
    lines = outbox(out)
    english = [line for line in lines if line["language"] == "en"]
    assert len({line["body"] for line in english}) == len(english) >= 3
    assert summary.fallbacks.get("duplicate_body", 0) >= 1
    plain = write_campaign(tmp_path, "plain", variants=1, personalized=False)
    shop.push(plain, out=tmp_path / "plain.jsonl", now=NOW, generator=ScriptedGenerator(default="generic"))
    plain_lines = [line for line in outbox(tmp_path / "plain.jsonl") if line["language"] == "en"]
    assert len({line["body"] for line in plain_lines}) < len(plain_lines)


def test_one_closing_sentence_for_everyone_is_regenerated_then_replaced(shop, tmp_path):
    from assistant.push.variety import offer_names, sentences

    out = tmp_path / "outbox.jsonl"
    gen = ScriptedGenerator(default="generic")
    summary = shop.push(write_campaign(tmp_path, variants=1), out=out, now=NOW, generator=gen)
    lines = outbox(out)
    assert sum("Treat yourself!" in line["body"] for line in lines) == 1
    assert summary.fallbacks.get("varied", 0) >= 2 and len(gen.calls) == 2  # one batch, one regeneration
    products = shop.catalog.get_products([pid for line in lines for pid in line["products"]]).values()
    free = [s.key for line in lines for s in sentences(line["body"], offer_names(products)) if s.free]
    assert len(free) == len(set(free))
    assert all("varied" in line["checks"]["passed"] for line in lines)


def test_a_closing_sentence_on_the_persons_hook_passes_first_time(shop, tmp_path):
    out = tmp_path / "outbox.jsonl"
    summary = shop.push(
        write_campaign(tmp_path, variants=1),
        out=out,
        now=NOW,
        generator=ScriptedGenerator({"Alex": ["personal"], "Zoe": ["third_person", "ok"]}),
    )
    lines = by_user(outbox(out))
    assert (
        lines[user_id("Alex")]["body"].startswith("Alex, the ")
        and lines[user_id("Alex")]["checks"]["first_try"]
    )
    zoe = lines[user_id("Zoe")]
    assert not zoe["checks"]["first_try"] and zoe["checks"]["fallback"] is None
    assert (
        any(p.startswith("voice: address") for p in zoe["checks"]["problems"])
        and "shopper" not in zoe["body"]
    )
    assert all(line["reasons"] and not any("search" in r for r in line["reasons"]) for line in lines.values())
    assert summary.written == len(lines)


def test_a_user_who_opts_out_gets_nothing_even_when_selected(shop, tmp_path):
    from ranking.records import User

    class OptOutDuringRun(ScriptedGenerator):
        def generate(self, prompts, params=None):
            shop.events.upsert_users([User(id=user_id("Alex"), name="Alex", marketing_opt_in=False)])
            return super().generate(prompts, params)

    out = tmp_path / "outbox.jsonl"
    summary = shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=OptOutDuringRun())
    assert user_id("Alex") not in by_user(outbox(out))
    assert summary.skipped.get("opted_out") == 1


def test_rerun_resumes_force_regenerates_and_a_changed_file_needs_force(shop, tmp_path):
    campaign = write_campaign(tmp_path)
    out = tmp_path / "outbox.jsonl"
    first = shop.push(campaign, out=out, now=NOW, generator=ScriptedGenerator(), limit=2)
    assert first.written == 2
    gen = ScriptedGenerator()
    second = shop.push(campaign, out=out, now=NOW, generator=gen)
    # Three drafts and their regenerations: the scripted "ok" draft has no sentence of its own.
    assert second.already_done == 2 and second.written == 3 and sum(gen.calls) == 6
    lines = outbox(out)
    assert len(lines) == len({(line["user"], line["variant"]) for line in lines}) == 5
    again = shop.push(campaign, out=out, now=NOW, generator=ScriptedGenerator())
    assert again.written == 0 and len(outbox(out)) == 5
    campaign.write_text(campaign.read_text().replace("discount_pct = 20", "discount_pct = 30"))
    with pytest.raises(CampaignChanged, match="--force"):
        shop.push(campaign, out=out, now=NOW, generator=ScriptedGenerator())
    forced = shop.push(campaign, out=out, now=NOW, generator=ScriptedGenerator(), force=True)
    assert forced.written == 5 and all(line["offers"][0]["discount_pct"] == 30 for line in outbox(out))


def test_dry_run_and_preview_write_nothing(shop, tmp_path):
    summary = shop.push(write_campaign(tmp_path), dry_run=True, now=NOW, generator=ScriptedGenerator())
    assert summary.written == 5 and len(summary.messages) == 5
    assert shop.push_ledger.count("boots") == 0
    view = shop.push_preview(write_campaign(tmp_path), user_id("Zoe"), now=NOW, generator=ScriptedGenerator())
    assert view["skipped"] is None and view["messages"][0]["user"] == user_id("Zoe")
    assert (
        shop.push_preview(write_campaign(tmp_path), user_id("Nora"), now=NOW, generator=ScriptedGenerator())[
            "skipped"
        ]
        == "recently_bought"
    )


def test_previews_of_several_shoppers_come_from_one_batch_in_their_order(shop, tmp_path):
    generator = ScriptedGenerator()
    wanted = [user_id("Nora"), user_id("Zoe"), user_id("Mei")]
    views = shop.push_previews(write_campaign(tmp_path), wanted, now=NOW, generator=generator)
    assert [v["user_id"] for v in views] == wanted
    assert views[0]["skipped"] == "recently_bought" and views[0]["messages"] == []
    assert [v["messages"][0]["user"] for v in views[1:]] == wanted[1:]
    # One batch, then one regeneration batch (the scripted "ok" draft has no sentence of its own).
    assert generator.calls == [2, 2], "the drafts are written in one batch, not one call per shopper"
    assert shop.push_ledger.count("boots") == 0
    with pytest.raises(ValueError, match=r"no user 'nobody'"):
        shop.push_previews(write_campaign(tmp_path), [user_id("Zoe"), "nobody"], now=NOW, generator=generator)


def test_closed_send_window_is_refused(shop, tmp_path):
    with pytest.raises(ValueError, match=r"send_window\.end"):
        shop.push(
            write_campaign(tmp_path),
            out=tmp_path / "o.jsonl",
            now=datetime(2027, 1, 1, tzinfo=UTC),
            generator=ScriptedGenerator(),
        )


def test_report_measures_ctr_and_conversion_per_variant_with_a_test(shop, tmp_path):
    from ranking.records import Event

    out = tmp_path / "outbox.jsonl"
    shop.push(write_campaign(tmp_path), out=out, now=NOW, generator=ScriptedGenerator())
    before = shop.push_report("boots")
    assert before["outcomes_seen"] is False and before["ctr_test"] is None
    lines = outbox(out)
    clicked = [line for line in lines if line["variant"] == "A"]
    shop.events.add_events(
        [Event(line["user"], line["products"][0], "click", int(NOW.timestamp()) + 7200) for line in clicked]
    )
    report = shop.push_report("boots")
    variants = report["variants"]
    assert variants["A"]["clicked"] == variants["A"]["messages"] == len(clicked)
    if "B" in variants:
        assert variants["B"]["clicked"] == 0
        assert report["ctr_test"]["test"] == "two-proportion z" and 0 <= report["ctr_test"]["p_value"] <= 1


def test_a_ray_pool_size_without_the_ray_engine_is_refused_by_its_flag(tmp_path, capsys):
    from assistant.cli import main

    home = tmp_path / "cli-home"
    build_push_store(home).close()
    command = ["--home", str(home), "push", str(write_campaign(tmp_path)), "--out", str(tmp_path / "o.jsonl")]
    assert main([*command, "--workers", "2"]) == 2
    assert "--engine ray" in capsys.readouterr().err
    assert main([*command, "--engine", "ray", "--workers", "0"]) == 2
    assert "--workers 0" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_the_push_package_never_imports_the_shop():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "import sys, assistant.push, assistant.push.engines, assistant.push.run; print('assistant.shop' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"
    # Nor later, from inside a function: the engines and the run take their parts as arguments.
    assert not [
        p.name for p in (root / "assistant" / "push").glob("*.py") if "assistant.shop" in p.read_text()
    ]
