import type { IsoDate } from '../../functions/core/dates.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { apiGatewayEvent } from '../api/api-gateway-event.ts';
import { tokenClaims } from '../api/local-auth.ts';
import type { LocalRuntime } from '../runtime/runtime.ts';
import type { Actor, Slot, SpecialAction } from './special-flows.ts';

/**
 * Carries out the planned special-flow actions (special-flows.ts) through the API, as the people
 * would: each request is an API Gateway event with the actor's token claims, sent to the route's
 * function on the local runtime (so it is counted like the rest), and every write carries the
 * version the actor has just read. Nothing is written to the table directly. A refused request
 * is a failure of the replay, reported at its end. A window that starts after the plan takes
 * effect skips what depends on something before it (closing a hazard recorded earlier).
 */

interface Request {
  functionId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** The route's key path, `/hazards/{id}/close`. */
  route: string;
  id?: string;
  query?: Record<string, string>;
  body?: unknown;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export const SLOT_TIME: Record<Slot, string> = { day: '11:00', evening: '17:00' };

/** A day's instant at a Shanghai wall-clock time (UTC+8, no daylight saving). */
const at = (day: IsoDate, time: string) => new Date(`${day}T${time}:00+08:00`).toISOString();

export class SpecialFlows {
  /** Hazard and incident ids the API gave, by town and the planner's key. */
  private readonly ids = new Map<string, string>();
  private readonly byDay = new Map<string, { plan: Plan; action: SpecialAction }[]>();
  private sequence = 0;

  constructor(
    private readonly runtime: LocalRuntime,
    schedules: { plan: Plan; actions: SpecialAction[] }[],
    private readonly failures: string[],
  ) {
    // Towns in plan order; each town's actions in its own planned order.
    for (const { plan, actions } of schedules) {
      for (const action of actions) {
        const key = `${action.on}|${action.slot}`;
        this.byDay.set(key, [...(this.byDay.get(key) ?? []), { plan, action }]);
      }
    }
  }

  /** Everything planned for this day and slot, one request after the other. */
  async run(day: IsoDate, slot: Slot): Promise<void> {
    for (const { plan, action } of this.byDay.get(`${day}|${slot}`) ?? []) {
      this.sequence = 0;
      try {
        await this.act(plan, action);
      } catch (error) {
        this.failures.push(`${day} ${plan.town.id} ${action.kind}: ${(error as Error).message}`);
      }
    }
  }

  private async call(plan: Plan, action: SpecialAction, actor: Actor, request: Request): Promise<Answer> {
    const town = plan.town.id;
    this.sequence += 1;
    const path = request.id === undefined ? request.route : request.route.replace('{id}', encodeURIComponent(request.id));
    const event = apiGatewayEvent({
      method: request.method,
      path,
      routeKey: `${request.method} ${request.route}`,
      ...(request.id === undefined ? {} : { pathParameters: { id: encodeURIComponent(request.id) } }),
      ...(request.query ? { query: request.query } : {}),
      headers: { 'user-agent': 'fireplan-simulate', ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      at: at(action.on, SLOT_TIME[action.slot]),
      claims: actor.role === 'unit' ? tokenClaims({ role: 'unit', town, unit: actor.unit }) : tokenClaims({ role: 'admin', town }),
      requestId: `simulated-${town}-${action.on}-${action.kind}-${'key' in action ? action.key : 'quarter' in action ? action.quarter : 'campaign'}-${this.sequence}`,
    });
    const response = (await this.runtime.invokeFunction(request.functionId, event)) as { statusCode?: number; body?: string };
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new Error(`${request.method} ${path}: ${status} ${response.body ?? ''}`);
    return { status, body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {} };
  }

  /** The id the API gave a fire or a hazard; undefined when it was recorded before the replayed window (or its recording failed, a failure already). */
  private idOf(plan: Plan, key: string): string | undefined {
    return this.ids.get(`${plan.town.id}|${key}`);
  }

  private remember(plan: Plan, key: string, answer: Answer): void {
    this.ids.set(`${plan.town.id}|${key}`, String(answer.body['id']));
  }

  private async act(plan: Plan, action: SpecialAction): Promise<void> {
    const admin: Actor = { role: 'admin' };
    switch (action.kind) {
      case 'recruitment': {
        const read = await this.call(plan, action, action.actor, { functionId: 'Recruitment', method: 'GET', route: '/recruitment', query: { year: String(action.year) } });
        await this.call(plan, action, action.actor, {
          functionId: 'Recruitment',
          method: 'PUT',
          route: '/recruitment/{id}/stages',
          id: String(read.body['id']),
          body: { version: read.body['version'], counts: action.counts, note: action.note },
        });
        return;
      }
      case 'record-incident':
        this.remember(plan, action.key, await this.call(plan, action, admin, { functionId: 'Incidents', method: 'POST', route: '/incidents', body: action.body }));
        return;
      case 'close-investigation': {
        const id = this.idOf(plan, action.key);
        if (id === undefined) return;
        const read = await this.call(plan, action, admin, { functionId: 'Incidents', method: 'GET', route: '/incidents/{id}', id });
        await this.call(plan, action, admin, { functionId: 'Incidents', method: 'POST', route: '/incidents/{id}/investigation/close', id, body: { version: read.body['version'], ...action.body } });
        return;
      }
      case 'record-hazard':
        this.remember(plan, action.key, await this.call(plan, action, action.actor, { functionId: 'Hazards', method: 'POST', route: '/hazards', body: action.body }));
        return;
      case 'record-house-hazard': {
        const house = await this.call(plan, action, action.actor, { functionId: 'Hazards', method: 'POST', route: '/self-built-houses', body: action.house });
        const problems = house.body['problems'] as { code: string }[];
        const hazard = await this.call(plan, action, action.actor, {
          functionId: 'Hazards',
          method: 'POST',
          route: '/self-built-houses/{id}/hazards',
          id: String(house.body['id']),
          body: { version: house.body['version'], problem: problems[0]?.code, grade: action.grade },
        });
        this.remember(plan, action.key, hazard);
        return;
      }
      case 'list-hazard':
      case 'hazard-progress':
      case 'close-hazard': {
        const id = this.idOf(plan, action.key);
        if (id === undefined) return;
        const actor = action.kind === 'hazard-progress' ? action.actor : admin;
        const read = await this.call(plan, action, actor, { functionId: 'Hazards', method: 'GET', route: '/hazards/{id}', id });
        const version = read.body['version'];
        const body =
          action.kind === 'list-hazard'
            ? { version, note: action.note }
            : action.kind === 'hazard-progress'
              ? { version, note: action.note, evidence: [{ kind: 'photos', name: '整改进展照片' }] }
              : { version, note: action.note, evidence: [{ kind: 'photos', name: '整改后现场照片' }, { kind: 'report', name: '复查意见书' }] };
        const route = action.kind === 'list-hazard' ? '/hazards/{id}/list' : action.kind === 'hazard-progress' ? '/hazards/{id}/progress' : '/hazards/{id}/close';
        await this.call(plan, action, actor, { functionId: 'Hazards', method: 'POST', route, id, body });
        return;
      }
      case 'review-exposure': {
        const id = action.quarter;
        let list = (await this.call(plan, action, admin, { functionId: 'Exposures', method: 'GET', route: '/exposures/{id}', id })).body;
        const entries = list['entries'] as { hazardId: string; description: string }[];
        const first = entries[0];
        if (action.edit && first && list['status'] !== 'published') {
          list = (
            await this.call(plan, action, admin, {
              functionId: 'Exposures',
              method: 'PATCH',
              route: '/exposures/{id}',
              id,
              body: { version: list['version'], entries: [{ hazardId: first.hazardId, description: `${first.description}（经核实，正在整改）` }] },
            })
          ).body;
        }
        if (list['status'] === 'draft') await this.call(plan, action, admin, { functionId: 'Exposures', method: 'POST', route: '/exposures/{id}/approve', id, body: { version: list['version'] } });
        return;
      }
      case 'publish-exposure': {
        const id = action.quarter;
        const list = (await this.call(plan, action, admin, { functionId: 'Exposures', method: 'GET', route: '/exposures/{id}', id })).body;
        if (list['status'] === 'approved') await this.call(plan, action, admin, { functionId: 'Exposures', method: 'POST', route: '/exposures/{id}/publish', id, body: { version: list['version'] } });
        return;
      }
    }
  }
}
