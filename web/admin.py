"""Operations routes: ``GET /api/v1/admin/metrics`` (admin key) and ``GET /metrics`` (Prometheus).

The admin report is computed from the database, so it covers every process and survives restarts;
``/metrics`` adds the process's own counters and turn-latency histogram for scraping.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse

from handoff import Priority, QueueStatus, agents_online, list_queue, operations_report, rotate_key
from web.deps import AdminDep, DbDep, NowDep, SettingsDep, TelemetryDep, bearer
from web.errors import InvalidPeriod, MetricsForbidden
from web.insights import group_unanswered, load_questions
from web.schemas import AgentKeyOut, FirstResponseOut, MetricsOut, RateOut, UnansweredOut
from web.security import key_matches

router = APIRouter()
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _utc(moment: datetime | None, name: str) -> datetime | None:
    """The bound in UTC, the zone every stored time is in; a bare date-time is taken as UTC.

    :raises InvalidPeriod: when the instant falls outside the years 1-9999 once in UTC.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidPeriod(f"{name} is out of range once converted to UTC: {moment.isoformat()}") from None


def _rates(counts: dict[str, int], total: int) -> dict[str, RateOut]:
    return {k: RateOut(count=n, rate=n / total if total else None) for k, n in counts.items()}


@router.get("/api/v1/admin/metrics", dependencies=[AdminDep], tags=["admin"])
def admin_metrics(
    db: DbDep,
    now: NowDep,
    since: Annotated[datetime | None, Query(description="Start of the period (ISO-8601, inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="End of the period (ISO-8601, exclusive).")] = None,
) -> MetricsOut:
    """Deflection, handoffs by reason and language, first response and SLA, CSAT, unanswered questions."""
    since, until = _utc(since, "since"), _utc(until, "until")
    report = operations_report(db, now=now, since=since, until=until)
    conversations = report.deflection.conversations
    handed_off = conversations - report.deflection.deflected
    first = [
        FirstResponseOut(
            priority=p.value, answered=s.answered, p50_s=s.p50_s, p90_s=s.p90_s, breached=s.breached,
            decided=s.decided, breach_rate=s.breach_rate,
        )
        for p, s in sorted(report.first_response.items(), key=lambda kv: -Priority(kv[0]).rank)
    ]
    groups = group_unanswered(load_questions(db, since=since, until=until))
    return MetricsOut(
        since=since,
        until=until,
        conversations=conversations,
        deflected=report.deflection.deflected,
        deflection_rate=report.deflection.rate,
        handoffs=sum(report.handoffs_by_reason.values()),
        handoff_rate=handed_off / conversations if conversations else None,
        handoffs_by_reason=_rates(report.handoffs_by_reason, conversations),
        handoffs_by_language=_rates(report.handoffs_by_language, conversations),
        first_response=first,
        sla_breaches=sum(s.breached for s in report.first_response.values()),
        csat_count=report.csat.count,
        csat_average=report.csat.average,
        helpful_votes=report.helpfulness.helpful,
        not_helpful_votes=report.helpfulness.not_helpful,
        helpful_rate=report.helpfulness.rate,
        waiting_now=sum(1 for i in list_queue(db, now=now) if i.entry.status == QueueStatus.WAITING),
        agents_online=agents_online(db, now=now),
        unanswered=[
            UnansweredOut(
                key=g.key, kind=g.kind, title=g.title, count=g.count, outcomes=dict(g.outcomes),
                languages=dict(g.languages), examples=g.examples,
            )
            for g in groups
        ],
    )


@router.post("/api/v1/admin/agents/{agent_id}/rotate-key", dependencies=[AdminDep], tags=["admin"])
def rotate_agent_key(agent_id: Annotated[int, Path(ge=1, le=2**62)], db: DbDep) -> AgentKeyOut:
    """Give an agent a new API key (shown once); the old key is refused from this moment on."""
    agent, key = rotate_key(db, agent_id)
    return AgentKeyOut(agent_id=agent.id, api_key=key)


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def metrics_auth(request: Request, settings: SettingsDep) -> None:
    """Scrapers present ``SUPPORTBOT_METRICS_KEY``; with none set only this machine may scrape, since the
    counters tell an outsider how busy support is and which languages it serves."""
    if settings.metrics_key:
        given = bearer(request)
        if given is None or not key_matches(given, settings.metrics_key):
            raise MetricsForbidden("missing or wrong metrics key", headers={"WWW-Authenticate": "Bearer"})
    elif request.client is None or request.client.host not in LOOPBACK:
        raise MetricsForbidden("/metrics answers only this machine unless SUPPORTBOT_METRICS_KEY is set")


@router.get("/metrics", response_class=PlainTextResponse, tags=["admin"], dependencies=[Depends(metrics_auth)])
def prometheus(db: DbDep, now: NowDep, telemetry: TelemetryDep) -> PlainTextResponse:
    """Prometheus text: message, reply and handoff counters, turn latency, queue gauges."""
    waiting = {p.value: 0 for p in Priority}
    with_agent = 0
    breached = 0
    for item in list_queue(db, now=now):
        if item.entry.status == QueueStatus.WAITING:
            waiting[item.entry.priority.value] += 1
        else:
            with_agent += 1
        breached += item.breached
    gauges: dict[str, tuple[str, list[tuple[dict[str, str], float]]]] = {
        "supportbot_waiting_conversations": (
            "Conversations waiting for an agent, by priority.",
            [({"priority": p}, float(n)) for p, n in waiting.items()],
        ),
        "supportbot_conversations_with_agent": ("Conversations an agent holds now.", [({}, float(with_agent))]),
        "supportbot_sla_breached_active": (
            "Active handoffs past their first-response target.", [({}, float(breached))]
        ),
        "supportbot_agents_online": ("Agents seen in the online window.", [({}, float(agents_online(db, now=now)))]),
    }
    return PlainTextResponse(telemetry.render(gauges), media_type=PROMETHEUS_TEXT)
