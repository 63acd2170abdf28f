"""Search, recommendations, profiles, feedback events and erasure: the quick, read-mostly endpoints.

Plain `def` handlers: FastAPI runs them in its thread pool, apart from the generation workers.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from assistant.api.auth import require
from assistant.api.context import ApiContext, Ctx
from assistant.api.errors import ApiError
from assistant.api.schemas import (
    ID_PATTERN,
    CategoryName,
    EraseOut,
    EventsIn,
    EventsOut,
    RecommendationsOut,
    SearchFiltersIn,
    SearchIn,
    SearchOut,
)
from ranking.records import Event, UserProfile

router = APIRouter(prefix="/v1", tags=["shoppers"])
UserId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


def known_user(ctx: ApiContext, user_id: str) -> None:
    if ctx.shop.user(user_id) is None:
        raise ApiError(404, f"no user {user_id!r} in this store")


def _filters(f: SearchFiltersIn | None):
    if f is None:
        return None
    from retrieval.query import SearchFilters

    return SearchFilters(
        categories=tuple(f.categories),
        brands=tuple(f.brands),
        exclude_brands=tuple(f.exclude_brands),
        min_price=f.min_price,
        max_price=f.max_price,
        min_rating=f.min_rating,
        exclude_ids=tuple(f.exclude_ids),
    )


@router.post(
    "/search",
    response_model=SearchOut,
    summary="search the catalog, ranked for a user if one is given",
    dependencies=[Depends(require("read"))],
)
def search(body: SearchIn, ctx: Ctx) -> SearchOut:
    filters = _filters(body.filters)
    if body.user_id:
        known_user(ctx, body.user_id)
        items = ctx.shop.search_for_user(body.user_id, body.query, filters=filters, k=body.k)
    else:
        items = ctx.shop.search(body.query, filters=filters, k=body.k)
    return SearchOut(query=body.query, user_id=body.user_id, results=[i.to_dict() for i in items])


@router.get(
    "/users/{user_id}/recommendations",
    response_model=RecommendationsOut,
    summary="the best products for this user now",
    dependencies=[Depends(require("read"))],
)
def recommendations(
    user_id: UserId,
    ctx: Ctx,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    category: Annotated[CategoryName | None, Query()] = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    max_price: Annotated[float | None, Query(ge=0, le=1e9)] = None,
) -> RecommendationsOut:
    known_user(ctx, user_id)
    filters = None
    if category or brand or max_price is not None:
        filters = _filters(
            SearchFiltersIn(
                categories=[category] if category else [],
                brands=[brand] if brand else [],
                max_price=max_price,
            )
        )
    items = ctx.shop.recommend(user_id, k=k, filters=filters)
    return RecommendationsOut(user_id=user_id, items=[i.to_dict() for i in items])


@router.get(
    "/users/{user_id}/profile",
    response_model=UserProfile,
    summary="what the store has learnt of a user",
    dependencies=[Depends(require("read"))],
)
def profile(user_id: UserId, ctx: Ctx) -> UserProfile:
    known_user(ctx, user_id)
    return ctx.shop.profile(user_id)


@router.post(
    "/events",
    response_model=EventsOut,
    summary="feedback (clicks, purchases, dismissals): the profile changes at once",
    dependencies=[Depends(require("chat", "push"))],
)
def record_events(body: EventsIn, ctx: Ctx) -> EventsOut:
    record = ctx.shop.record_events
    found = ctx.shop.products([e.product_id for e in body.events])
    missing = [
        {"field": f"body.events.{i}.product_id", "message": f"no product {e.product_id!r} in the catalog"}
        for i, e in enumerate(body.events)
        if e.product_id not in found
    ]
    if missing:
        raise ApiError(422, "some events name products that are not in the catalog", fields=missing)
    now = int(time.time())
    events = [
        Event(
            user_id=e.user_id,
            product_id=e.product_id,
            kind=e.kind,
            time=e.time if e.time is not None else now,
            value=e.value,
            session=e.session,
        )
        for e in body.events
    ]
    record(events)
    return EventsOut(recorded=len(events), users=sorted({e.user_id for e in events}))


@router.delete(
    "/users/{user_id}",
    response_model=EraseOut,
    summary="erase a user everywhere (right to be forgotten)",
    dependencies=[Depends(require("admin"))],
)
def erase_user(user_id: UserId, ctx: Ctx) -> EraseOut:
    return EraseOut(user_id=user_id, erased=ctx.shop.erase_user(user_id))
