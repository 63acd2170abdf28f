"""Ledger invariants under any sequence of commits, kills and resumes (hypothesis state machine):
at most one message per (campaign, user, variant); every complete outbox line has a ledger row; after
a run's closing rewrite, the outbox holds exactly the ledger's messages, in order."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from assistant.push.ledger import PushLedger, Skip, append_outbox
from assistant.push.records import PushMessage
from retrieval.db import Database

USERS = [f"U{i}" for i in range(8)]
CAMPAIGNS = ["c1", "c2"]


def message(campaign: str, user: str, variant: str, n: int) -> PushMessage:
    return PushMessage(
        campaign=campaign,
        user=user,
        variant=variant,
        products=("P1",),
        title="t",
        body=f"{user} {variant} {n}",
        deep_link="",
        reasons=(),
        checks={"first_try": True},
        model="m",
        language="en",
        channel="push",
        send_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


def outbox_keys(path: Path) -> list[tuple[str, str, str]]:
    text = path.read_text() if path.exists() else ""
    complete = text[: text.rfind("\n") + 1]
    return [(d["campaign"], d["user"], d["variant"]) for d in map(json.loads, complete.splitlines())]


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.ledger = PushLedger(Database(self.dir / "db.sqlite3"))
        self.outboxes = {c: self.dir / f"{c}.jsonl" for c in CAMPAIGNS}
        self.n = 0
        self.running: str | None = None  # the campaign whose run is alive; a kill ends it

    @rule(campaign=st.sampled_from(CAMPAIGNS), force=st.booleans())
    def start_run(self, campaign, force):
        self.ledger.start(campaign, "same", "c.toml", force=force)
        self.ledger.write_outbox(campaign, self.outboxes[campaign])
        self.running = campaign

    @precondition(lambda self: self.running is not None)
    @rule(
        batch=st.lists(st.tuples(st.sampled_from(USERS), st.sampled_from("AB")), max_size=6),
        killed=st.sampled_from(["no", "no", "before_append", "mid_line"]),
    )
    def commit_batch(self, batch, killed):
        campaign = self.running
        self.n += 1
        added = self.ledger.commit(
            [message(campaign, u, v, self.n) for u, v in batch], [Skip(campaign, "U7", "quiet_hours")]
        )
        if killed != "no":
            self.running = None
        if killed == "before_append" or not added:
            return
        if killed == "mid_line":  # the process died while writing the last line
            append_outbox(self.outboxes[campaign], added[:-1])
            with open(self.outboxes[campaign], "a") as fh:
                fh.write(json.dumps(added[-1].to_line())[:20])
            return
        append_outbox(self.outboxes[campaign], added)

    @precondition(lambda self: self.running is not None)
    @rule()
    def finish_run(self):
        campaign, self.running = self.running, None
        self.ledger.write_outbox(campaign, self.outboxes[campaign])
        keys = outbox_keys(self.outboxes[campaign])
        assert keys == [(d["campaign"], d["user"], d["variant"]) for d in self.ledger.lines(campaign)]
        assert self.outboxes[campaign].read_text().endswith("\n") or not keys

    @invariant()
    def one_message_per_user_and_variant(self):
        rows = self.ledger.db.conn.execute("SELECT campaign, user_id, variant FROM push_messages").fetchall()
        assert len(rows) == len({tuple(r) for r in rows})

    @invariant()
    def no_outbox_line_without_a_ledger_row(self):
        for campaign, path in self.outboxes.items():
            ledger = {(d["campaign"], d["user"], d["variant"]) for d in self.ledger.lines(campaign)}
            assert set(outbox_keys(path)) <= ledger


TestLedgerInvariants = LedgerMachine.TestCase
TestLedgerInvariants.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
