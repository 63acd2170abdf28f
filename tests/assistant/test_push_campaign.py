"""Campaign files: the examples parse, and every mistake is named with its file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.push.campaign import CampaignError, load_campaign

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"

BASE = """
id = "c1"
[[promotions]]
products = ["P1"]
discount_pct = 10
ends = 2026-12-31
[send_window]
start = 2026-11-20T09:00:00Z
end = 2026-12-20T21:00:00Z
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.*")))
def test_every_example_campaign_parses(name):
    campaign = load_campaign(EXAMPLES / name)
    assert campaign.promotions and campaign.variants == len(campaign.variant_names)
    assert campaign.send_start < campaign.send_end


def test_toml_and_yaml_give_the_same_campaign(tmp_path):
    yaml_text = """
id: c1
promotions:
  - products: [P1]
    discount_pct: 10
    ends: 2026-12-31
send_window:
  start: 2026-11-20T09:00:00Z
  end: 2026-12-20T21:00:00Z
"""
    a = load_campaign(write(tmp_path, BASE))
    b = load_campaign(write(tmp_path, yaml_text, "c.yaml"))
    assert a.fingerprint == b.fingerprint
    assert a.channel.title_max == 40 and a.channel.body_max == 120


@pytest.mark.parametrize(
    "extra, key, fix_words",
    [
        ("tone = 'shouty'", "tone", "friendly"),
        ("colour = 'red'", "colour", "use one of"),
        ("[channel]\nkind = 'push'\ntitle_max = 80", "channel.title_max", "from 0 to 40"),
        ("[channel]\nkind = 'fax'", "channel.kind", "push, sms, email"),
        ("[audience]\nopted_in_only = false", "audience.opted_in_only", "set it to true"),
        ("[audience]\nprice_band = [100, 10]", "audience.price_band", "price_band = [20, 150]"),
        ("[variants]\ncount = 2\nangles = ['shock']", "variants.angles", "benefit"),
        ("[limits]\nfrequency_cap = 'two'", "limits.frequency_cap", "no quotes"),
        ("[channel]\nbody_max = 10", "channel.body_max", "from 20 to 120"),
        ("[channel]\nkind = 'sms'\ntitle_max = 5", "channel.title_max", "from 0 to 0"),
        ("personalized = 'yes'", "personalized", "personalized = true"),
        ("banned_words = [1]", "banned_words", 'banned_words = ["a", "b"]'),
        ("name = '  '", "name", 'write name = "..."'),
        ("[audience]\nactive_within_days = 0", "audience.active_within_days", "use 1 or more"),
    ],
)
def test_mistakes_name_the_file_the_key_and_the_fix(tmp_path, extra, key, fix_words):
    text = BASE.replace('id = "c1"', 'id = "c1"\n' + extra) if not extra.startswith("[") else BASE + extra
    path = write(tmp_path, text)
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    message = str(info.value)
    assert str(path) in message and f"[{key}]" in message and fix_words in message


def test_a_promotion_must_name_something_and_a_discount(tmp_path):
    path = write(tmp_path, BASE.replace('products = ["P1"]\n', ""))
    with pytest.raises(CampaignError, match=r"promotions\[0\]\.products"):
        load_campaign(path)
    path = write(tmp_path, BASE.replace("discount_pct = 10", "discount_pct = 95"))
    with pytest.raises(CampaignError, match=r"promotions\[0\]\.discount_pct.*from 1 to 90"):
        load_campaign(path)


def test_keys_inside_a_promotion_and_a_missing_window_are_named(tmp_path):
    path = write(tmp_path, BASE.replace("discount_pct = 10", "discount_pct = 10\nsale = true"))
    with pytest.raises(
        CampaignError, match=r"\[promotions\[0\]\.sale\] unknown key; use one of: brands, categories"
    ):
        load_campaign(path)
    path = write(tmp_path, BASE.replace("discount_pct = 10", "discount_pct = '10'"))
    with pytest.raises(CampaignError, match=r"\[promotions\[0\]\.discount_pct\] expected a number, got '10'"):
        load_campaign(path)
    path = write(tmp_path, BASE.split("[send_window]")[0])
    with pytest.raises(
        CampaignError, match=r"\[send_window\.start\] missing; add start = 2026-12-01T09:00:00Z"
    ):
        load_campaign(path)


def test_window_that_ends_before_it_starts_is_refused(tmp_path):
    path = write(tmp_path, BASE.replace("end = 2026-12-20T21:00:00Z", "end = 2026-11-01T21:00:00Z"))
    with pytest.raises(CampaignError, match=r"send_window\.end.*move end after start"):
        load_campaign(path)


def test_broken_syntax_and_unknown_file_types_say_so(tmp_path):
    with pytest.raises(CampaignError, match=r"not valid TOML"):
        load_campaign(write(tmp_path, "id = = 3"))
    with pytest.raises(CampaignError, match=r"\*\.toml, \*\.yaml"):
        load_campaign(write(tmp_path, BASE, "c.json"))
    with pytest.raises(FileNotFoundError, match="examples/campaigns"):
        load_campaign(tmp_path / "missing.toml")
