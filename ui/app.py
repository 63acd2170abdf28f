"""The shopmate web UI: four tabs over the Shop facade (Shop, Profile, Push, Insights).

`build_app(shop)` builds the Blocks without serving them; `launch(shop, host, port, door)` serves them
behind the sign-in door (ui/gate.py) on uvicorn, loopback by default, with queueing so several
shoppers chatting at once all get answers. Every handler learns who is calling from the signed-in
session (`gr.Request.username`), never from the page: a shopper acts and sees only as themselves, and
the team tabs answer only a team session whose key holds the scope. Nothing here reaches the network:
analytics are off, there are no share links, fonts come with Gradio and charts are rendered server-side.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402  (analytics must be off before Gradio is imported)

from ui import charts, handlers  # noqa: E402
from ui.cards import CARD_CSS, Card, card_html  # noqa: E402
from ui.door import Identity  # noqa: E402

N_CARDS = 4
CHAT_CONCURRENCY = 4
# Gradio finds a handler's progress bar by its default value; tqdm bars inside shop.push drive it.
PUSH_PROGRESS = gr.Progress(track_tqdm=True)
THEME = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def _slot_updates(state: dict) -> list:
    """For each card slot: the group's visibility and the card's HTML."""
    cards = state.get("cards") or []
    marks = state.get("marks") or {}
    updates = []
    for i in range(N_CARDS):
        if i < len(cards):
            card = Card(**cards[i])
            updates += [gr.update(visible=True), card_html(card, marks.get(card.id, ""))]
        else:
            updates += [gr.update(visible=False), ""]
    return updates


def _who(request: gr.Request | None) -> Identity | None:
    return Identity.from_username(getattr(request, "username", None))


def _require(request: gr.Request | None, scope: str) -> Identity:
    """The caller, if their team key holds `scope`; anyone else gets an error and nothing done."""
    identity = _who(request)
    if identity is None or not identity.can(scope):
        raise gr.Error(f"This needs a store-team sign-in whose key holds the {scope} scope.")
    return identity


def _whoami_html(identity: Identity | None) -> str:
    """Who is signed in, and a way out (same tab: Gradio's Markdown would open links in a new one)."""
    if identity is None:
        return '<p>Not signed in. <a href="signin" target="_self">Sign in</a></p>'
    if identity.kind == "shopper":
        who = f"shopper <strong>{html.escape(identity.subject)}</strong>"
    else:
        who = (
            f"the store team (key {html.escape(identity.subject)}: {html.escape(', '.join(identity.scopes))}); "
            "chat here is anonymous and records nothing"
        )
    return f'<p>Signed in as {who}. <a href="signout" target="_self">Sign out</a></p>'


def _profile_outputs(shop, identity: Identity | None, asked: str | None) -> list:
    subject = handlers.profile_subject(identity, asked)
    data = handlers.profile_summary(shop, subject) if subject else None
    if data is None:
        if subject:
            note = f"No profile for {subject}."
        elif identity is not None and identity.can("read"):
            note = "Type a shopper's id to see their profile."
        elif identity is not None and identity.kind == "staff":
            note = "Looking up a shopper needs a key with the read scope."
        else:
            note = "Sign in to see your profile."
        empty = charts.bar_chart([], "")
        return [note, "", empty, empty, charts.activity_chart([]), []]
    tags = "".join(f"<span>{t}</span>" for t in data.get("interest_tags", [])) or "no interests yet"
    band = data.get("price_band")
    band_text = (
        f"**Price band:** ${band[0]:,.0f} to ${band[1]:,.0f}" if band else "**Price band:** not known yet"
    )
    head = f"**{data['user_id']}**: {data.get('n_events', 0)} events. {band_text}"
    recent = data.get("recent", [])
    rows = [[e["when"], e["kind"], e["title"]] for e in recent[:15]]
    return [
        head,
        f'<div class="sm-tags" aria-label="interest tags">{tags}</div>',
        charts.bar_chart(data.get("top_categories", []), "Top categories"),
        charts.bar_chart(data.get("top_brands", []), "Top brands"),
        charts.activity_chart([e["kind"] for e in recent]),
        rows,
    ]


@dataclass(slots=True)
class _ShopTab:
    """The Shop tab's parts that the page load and the readiness timer update."""

    ready_note: gr.Markdown
    chatbot: gr.Chatbot
    slot_outputs: list  # per card slot: its group, then its HTML


@dataclass(slots=True)
class _TeamTabs:
    """The parts of the other tabs that the page load shows, hides or fills for whoever signed in."""

    lookup: gr.Textbox
    push: gr.Tab
    campaign: gr.Dropdown
    insights: gr.Tab


def _card_slots() -> tuple[list, list]:
    """The card slots, hidden until filled: their (like, not interested, cart) buttons and their outputs."""
    slots, slot_outputs = [], []
    for i in range(N_CARDS):
        with gr.Group(visible=False, elem_id=f"card-{i}", elem_classes="sm-slot") as group:
            view = gr.HTML("", elem_id=f"card-{i}-html")
            with gr.Row():
                like = gr.Button("Like", size="sm", min_width=60, elem_id=f"card-{i}-like")
                nope = gr.Button("Not interested", size="sm", min_width=60, elem_id=f"card-{i}-dismiss")
                cart = gr.Button("Add to cart", size="sm", min_width=60, elem_id=f"card-{i}-cart")
        slots.append((like, nope, cart))
        slot_outputs += [group, view]
    return slots, slot_outputs


def _chat_handler(shop, n_slot_outputs: int):
    """The streaming chat event: the reply grows in the last message; the cards change once they come."""
    untouched = [gr.skip()] * n_slot_outputs

    def on_send(message, history, session, request: gr.Request):
        identity = _who(request)
        if identity is None:
            raise gr.Error("Sign in first.")
        session = handlers.session_for(identity, session)
        message = (message or "").strip()
        history = list(history or [])
        if not message:
            yield [history, "", session, gr.skip()] + untouched
            return
        warming = handlers.readiness_note(shop)
        if warming:  # answer at once rather than queue the shopper behind a model still loading
            history += [{"role": "user", "content": message}, {"role": "assistant", "content": warming}]
            yield [history, "", session, gr.skip()] + untouched
            return
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        yield [history, "", session, gr.skip()] + untouched
        try:
            for text, cards in handlers.chat_stream(shop, session, message, k=N_CARDS):
                history[-1] = {"role": "assistant", "content": text}
                if cards is None:
                    yield [history, "", session, gr.skip()] + untouched
                else:
                    session["cards"] = cards
                    yield [history, "", session, ""] + _slot_updates(session)
        except Exception as exc:  # the shopper sees a readable line, the log gets the trace
            gr.Warning(f"Sorry, that failed: {exc}")
            raise

    return on_send


def _feedback_handler(shop, slot: int, action: str):
    def on_feedback(session, request: gr.Request):
        session = handlers.session_for(_who(request), session)
        line = handlers.record_feedback(shop, session, slot, action, k=N_CARDS)
        return [session, line] + _slot_updates(session)

    return on_feedback


def _shop_tab(shop, state: gr.State) -> _ShopTab:
    """Chat on the left, the suggested products' cards (like, not interested, add to cart) on the right."""
    with gr.Tab("Shop", id="shop", elem_id="tab-shop"):
        ready_note = gr.Markdown("", elem_id="ready-note")
        with gr.Row(elem_classes="sm-shop-row", equal_height=False):
            with gr.Column(scale=3, min_width=280):
                chatbot = gr.Chatbot(
                    label="Chat with shopmate",
                    height=420,
                    elem_id="chat",
                    placeholder="Ask for a product: 'wireless headphones under $100'",
                    buttons=["copy", "copy_all"],
                )
                with gr.Row():
                    msg = gr.Textbox(
                        label="Your message",
                        placeholder="Type and press Enter",
                        scale=4,
                        elem_id="chat-input",
                        autofocus=False,
                        max_lines=3,
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="chat-send")
            with gr.Column(scale=2, min_width=260, elem_id="cards"):
                gr.Markdown("### Suggestions for you")
                note = gr.Markdown("", elem_id="feedback-note")
                slots, slot_outputs = _card_slots()

    on_send = _chat_handler(shop, len(slot_outputs))
    for trigger in (msg.submit, send.click):
        trigger(
            on_send,
            [msg, chatbot, state],
            [chatbot, msg, state, note, *slot_outputs],
            concurrency_limit=CHAT_CONCURRENCY,
            concurrency_id="chat",
        )
    for i, (like, nope, cart) in enumerate(slots):
        for button, action in ((like, "like"), (nope, "not_interested"), (cart, "cart")):
            button.click(
                _feedback_handler(shop, i, action),
                state,
                [state, note, *slot_outputs],
                concurrency_limit=CHAT_CONCURRENCY,
                concurrency_id="feedback",
            )
    return _ShopTab(ready_note, chatbot, slot_outputs)


def _profile_tab(shop) -> gr.Textbox:
    """A shopper's own profile; the team (read scope) can look up anyone's. Returns the lookup box."""
    with gr.Tab("Profile", id="profile", elem_id="tab-profile") as tab:
        lookup = gr.Textbox(
            label="Shopper id", visible=False, elem_id="profile-lookup", placeholder="U00001", max_lines=1
        )
        profile_head = gr.Markdown("", elem_id="profile-head")
        profile_tags = gr.HTML("", label="Interest tags")
        with gr.Row():
            cat_plot = gr.Plot(label="Top categories", format="png", show_label=False)
            brand_plot = gr.Plot(label="Top brands", format="png", show_label=False)
        activity_plot = gr.Plot(label="Recent activity", format="png", show_label=False)
        recent = gr.Dataframe(
            headers=["when (UTC)", "kind", "product"], label="Recent activity", interactive=False, wrap=True
        )
        refresh_profile = gr.Button("Refresh profile")

    def on_profile(asked, request: gr.Request):
        return _profile_outputs(shop, _who(request), asked)

    outputs = [profile_head, profile_tags, cat_plot, brand_plot, activity_plot, recent]
    for trigger in (tab.select, refresh_profile.click, lookup.submit):
        trigger(on_profile, lookup, outputs)
    return lookup


def _campaign_path(shop, src, path, name, category, discount, days, channel, tone) -> str:
    """The campaign file to use: one written from the short form, or one of the store's listed files."""
    if src == "Short form":
        return handlers.write_campaign(shop, name, category, discount, channel, tone, int(days))
    if not path:
        raise gr.Error("Pick a campaign file first.")
    if path not in handlers.campaign_files(shop):  # only the listed files: no reading paths off the page
        raise gr.Error(f"{path} is not one of the store's campaign files.")
    return path


def _campaign_form(shop) -> list:
    """Where the campaign comes from (a file or the short form); the form's fields, in _campaign_path's order."""
    source = gr.Radio(["Campaign file", "Short form"], value="Campaign file", label="Campaign from")
    campaign = gr.Dropdown(choices=[], value=None, label="Campaign file", elem_id="campaign-file")
    with gr.Group(visible=False) as form:
        form_name = gr.Textbox(label="Campaign name", placeholder="Spring audio sale")
        form_category = gr.Dropdown(
            choices=[" > ".join(c) for c in shop.categories()],
            label="Category to promote",
            allow_custom_value=True,
        )
        with gr.Row():
            form_discount = gr.Slider(5, 50, value=15, step=5, label="Discount (%)")
            form_days = gr.Slider(1, 60, value=14, step=1, label="Runs for (days)")
        with gr.Row():
            form_channel = gr.Radio(["push", "email", "sms"], value="push", label="Channel")
            form_tone = gr.Radio(["friendly", "premium", "informative"], value="friendly", label="Tone")
    source.change(
        lambda s: [gr.update(visible=s == "Campaign file"), gr.update(visible=s == "Short form")],
        source,
        [campaign, form],
    )
    return [source, campaign, form_name, form_category, form_discount, form_days, form_channel, form_tone]


def _push_tab(shop) -> tuple[gr.Tab, gr.Dropdown]:
    """Preview a campaign for a few sample shoppers, then run it. Returns the tab and its campaign-file list."""
    with gr.Tab("Push", id="push", elem_id="tab-push", visible=False) as tab:
        gr.Markdown("Preview a campaign for a few sample shoppers, then run it for the whole audience.")
        form_inputs = _campaign_form(shop)
        with gr.Row():
            sample_size = gr.Number(
                value=handlers.SAMPLE_USERS,
                label=f"Sample shoppers (1-{handlers.MAX_SAMPLE_USERS})",
                precision=0,
                minimum=1,
                maximum=handlers.MAX_SAMPLE_USERS,
                elem_id="push-sample-size",
            )
            preview_btn = gr.Button("Preview for the sample", variant="primary", elem_id="push-preview")
            run_limit = gr.Number(value=None, label="Run at most (users; empty for all)", precision=0)
            run_btn = gr.Button("Start batch run", elem_id="push-run")
        push_status = gr.Markdown("", elem_id="push-status")
        preview = gr.Dataframe(
            headers=["user", "title", "body", "checks passed", "result"],
            label="Preview messages",
            interactive=False,
            wrap=True,
            elem_id="push-preview-table",
        )
        run_summary = gr.JSON(label="Batch run summary")

    def on_preview(src, path, name, category, discount, days, channel, tone, size, request: gr.Request):
        _require(request, "push")
        try:
            path = _campaign_path(shop, src, path, name, category, discount, days, channel, tone)
            rows = handlers.preview_rows(shop, path, size)  # an int (precision 0), None when emptied
        except Exception as exc:  # shown to the marketer as a readable line; the log keeps the trace
            raise gr.Error(f"Preview failed: {exc}") from exc
        return f"Preview of `{path}` for {len({row[0] for row in rows})} sample users.", rows

    def on_run(
        src,
        path,
        name,
        category,
        discount,
        days,
        channel,
        tone,
        limit,
        request: gr.Request,
        progress=PUSH_PROGRESS,
    ):
        _require(request, "push")
        try:
            path = _campaign_path(shop, src, path, name, category, discount, days, channel, tone)
            out = shop.outbox_path(os.path.splitext(os.path.basename(path))[0])
            progress(0, desc="choosing the audience")
            summary = shop.push(path, out=out, limit=int(limit) if limit else None, show_progress=True)
        except Exception as exc:
            raise gr.Error(f"Batch run failed: {exc}") from exc
        return f"Batch run finished: outbox at `{out}`.", summary.to_dict()

    preview_btn.click(on_preview, [*form_inputs, sample_size], [push_status, preview], concurrency_limit=2)
    run_btn.click(on_run, [*form_inputs, run_limit], [push_status, run_summary], concurrency_limit=1)
    return tab, form_inputs[1]


def _insights_tab(shop) -> gr.Tab:
    """The store's counts, data versions and models, and the offline evaluation on demand."""
    with gr.Tab("Insights", id="insights", elem_id="tab-insights", visible=False) as tab:
        facts = gr.JSON(label="Counts, data versions and models")
        eval_btn = gr.Button("Run offline evaluation", elem_id="run-eval")
        eval_plot = gr.Plot(
            label="Our ranker against the baselines", format="png", value=charts.evaluation_chart({})
        )
        eval_raw = gr.JSON(label="Evaluation details")

    def on_facts(request: gr.Request):
        _require(request, "read")
        return handlers.store_facts(shop)

    def on_eval(request: gr.Request):
        _require(request, "read")
        result = shop.evaluate()
        return charts.evaluation_chart(handlers.metric_table(result)), result, handlers.store_facts(shop)

    tab.select(on_facts, None, facts)
    eval_btn.click(on_eval, None, [eval_plot, eval_raw, facts], concurrency_limit=1)
    return tab


def _on_sign_in(app: gr.Blocks, shop, state: gr.State, whoami: gr.HTML, shop_tab: _ShopTab, team: _TeamTabs):
    """On page load: a fresh session for whoever signed in, a greeting, and the tabs their key allows."""

    def on_load(request: gr.Request):
        identity = _who(request)
        new = handlers.session_for(identity, None)
        who = _whoami_html(identity)
        greeting = (
            [
                {
                    "role": "assistant",
                    "content": f"Hi! You are shopping as **{new['user_id']}**. What are you looking for today?",
                }
            ]
            if new["user_id"]
            else []
        )
        can_push = bool(identity and identity.can("push"))
        can_read = bool(identity and identity.can("read"))
        files = handlers.campaign_files(shop) if can_push else []
        return [
            new,
            greeting,
            who,
            gr.update(visible=can_push),
            gr.update(visible=can_read),
            gr.update(visible=can_read),
            gr.update(choices=files, value=files[0] if files else None),
        ] + _slot_updates(new)

    outputs = [state, shop_tab.chatbot, whoami, team.push, team.insights, team.lookup, team.campaign]
    app.load(on_load, None, [*outputs, *shop_tab.slot_outputs])


def _readiness(app: gr.Blocks, shop, timer: gr.Timer, ready_note: gr.Markdown) -> None:
    """Say the shop is warming up until the language model has loaded; the timer stops once it has."""

    def on_tick():
        note = handlers.readiness_note(shop)
        return note, gr.update(active=bool(note))

    timer.tick(on_tick, None, [ready_note, timer], show_progress="hidden")
    app.load(on_tick, None, [ready_note, timer], show_progress="hidden")


def build_app(shop) -> gr.Blocks:
    """The whole UI for one store. Each browser tab gets its own session state."""
    with gr.Blocks(title="shopmate", fill_width=False) as app:
        gr.HTML(f"<style>{CARD_CSS}</style>", container=False, padding=False)
        state = gr.State(handlers.new_session())
        gr.Markdown("# shopmate\nYour shopping assistant, and the store team's console.")
        whoami = gr.HTML("", elem_id="whoami")
        ready_timer = gr.Timer(2.0, active=True)
        with gr.Tabs():
            shop_tab = _shop_tab(shop, state)
            lookup = _profile_tab(shop)
            push_tab, campaign = _push_tab(shop)
            insights_tab = _insights_tab(shop)
        _on_sign_in(app, shop, state, whoami, shop_tab, _TeamTabs(lookup, push_tab, campaign, insights_tab))
        _readiness(app, shop, ready_timer, shop_tab.ready_note)
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return app
