"""Push campaigns over HTTP: one user's message as a preview, and batch runs in the background."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from assistant.api.auth import require
from assistant.api.context import ApiContext, Ctx
from assistant.api.errors import ApiError
from assistant.api.generation import GenerationOverloaded, GenerationTimeout
from assistant.api.schemas import (
    ID_PATTERN,
    CampaignRunIn,
    CampaignRunOut,
    PushPreviewIn,
    PushPreviewOut,
)
from assistant.api.shopper_routes import known_user

router = APIRouter(prefix="/v1", tags=["push"])
CampaignId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]
RunId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


def campaign_file(ctx: ApiContext, campaign_id: str) -> FilePath:
    path = ctx.campaign_path(campaign_id)
    if path is None:
        where = ", ".join(str(d) for d in ctx.config.campaign_dirs) or "no campaigns directory"
        raise ApiError(404, f"no campaign {campaign_id!r}: looked for {campaign_id}.toml/.yaml in {where}")
    return path


def _message(value: Any) -> dict[str, Any]:
    for name in ("to_line", "to_dict"):
        method = getattr(value, name, None)
        if callable(method):
            return method()
    return dict(value)


@router.post(
    "/push/preview",
    response_model=PushPreviewOut,
    summary="one user's message(s) for a campaign, checked, without sending or writing the ledger",
    dependencies=[Depends(require("push"))],
)
async def push_preview(body: PushPreviewIn, ctx: Ctx) -> PushPreviewOut:
    preview = ctx.shop.push_preview
    path = campaign_file(ctx, body.campaign)
    known_user(ctx, body.user_id)
    try:
        result = await ctx.pool.run(preview, path, body.user_id)
    except GenerationTimeout as exc:
        raise ApiError(504, str(exc), code="timeout") from exc
    except GenerationOverloaded as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": "2"}) from exc
    except ValueError as exc:  # a campaign file with a mistake: the message names the key and the fix
        raise ApiError(422, str(exc), code="campaign_invalid") from exc
    if result is None:
        return PushPreviewOut(
            campaign=body.campaign,
            user_id=body.user_id,
            skipped="this user is not in the campaign's audience or is held back by a guardrail",
        )
    if isinstance(result, dict) and "messages" in result:
        return PushPreviewOut.model_validate({"campaign": body.campaign, "user_id": body.user_id, **result})
    messages = result if isinstance(result, list | tuple) else [result]
    return PushPreviewOut(
        campaign=body.campaign, user_id=body.user_id, messages=[_message(m) for m in messages]
    )


@router.post(
    "/campaigns/{campaign_id}/runs",
    response_model=CampaignRunOut,
    status_code=202,
    summary="start a batch run of a campaign in the background; poll its status",
    dependencies=[Depends(require("push"))],
)
def start_run(campaign_id: CampaignId, ctx: Ctx, body: CampaignRunIn | None = None) -> CampaignRunOut:
    push = ctx.shop.push
    path = campaign_file(ctx, campaign_id)
    body = body or CampaignRunIn()
    options = body.model_dump()
    outbox = None if body.dry_run else ctx.shop.outbox_path(campaign_id)
    run = ctx.runs.start(
        campaign_id,
        {**options, "outbox": str(outbox) if outbox else None},
        lambda: push(
            path,
            out=outbox,
            limit=body.limit,
            dry_run=body.dry_run,
            force=body.force,
            engine=body.engine,
            batch_size=body.batch_size,
            workers=body.workers,
            gpus_per_worker=body.gpus_per_worker,
        ),
    )
    return CampaignRunOut.model_validate(run)


@router.get(
    "/campaigns/{campaign_id}/runs",
    response_model=list[CampaignRunOut],
    summary="this campaign's runs, newest first",
    dependencies=[Depends(require("push", "read"))],
)
def list_runs(campaign_id: CampaignId, ctx: Ctx) -> list[CampaignRunOut]:
    return [CampaignRunOut.model_validate(r) for r in ctx.runs.list(campaign_id)]


@router.get(
    "/campaigns/{campaign_id}/runs/{run_id}",
    response_model=CampaignRunOut,
    summary="a run's status and, once done, its result",
    dependencies=[Depends(require("push", "read"))],
)
def run_status(campaign_id: CampaignId, run_id: RunId, ctx: Ctx) -> CampaignRunOut:
    run = ctx.runs.get(campaign_id, run_id)
    if run is None:
        raise ApiError(404, f"no run {run_id!r} of campaign {campaign_id!r}")
    return CampaignRunOut.model_validate(run)
