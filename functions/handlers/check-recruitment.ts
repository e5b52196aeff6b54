import { z } from 'zod';
import { yearOf } from '../core/dates.ts';
import { isoDate, slug, type Plan } from '../core/plan-schema.ts';
import { escalationDecision, escalationPurpose, recruitmentBehindEmail, trajectory, type Campaign, type CampaignEscalation, type Trajectory } from '../core/recruitment.ts';
import { reportReaders } from '../core/reports.ts';
import { planCalendar } from '../core/schedule.ts';
import { deliver } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { loadCampaign, recordEscalation } from '../adapters/recruitment-store.ts';
import { getActivePlan, intentPut, type TransactItem } from '../adapters/table.ts';

/**
 * CheckRecruitment, the per-town step of RecruitmentCheck (first working day of each month): the
 * town's recruitment campaign of the year against its target and deadline
 * (functions/core/recruitment.ts `trajectory`). When it is behind, leadership and the committees
 * (the monthly report's readers) and the owning unit are told, each in their language, how many are
 * missing, where the pipeline is thin and what to do by when.
 *
 * Once a month at most: the month's escalation record and its mail (the outbox intents) are written
 * in one transaction, under the condition that neither exists, so a retried step or a second run
 * in the month records nothing new; what was recorded is then delivered (each mail once).
 */

const input = z.strictObject({ town: slug, date: isoDate });

interface Recipient {
  email: string;
  language: 'zh' | 'en';
}

/** The readers of the reports and the owning unit, each address once, in the plan's order. */
function recipientsOf(plan: Plan, campaign: Campaign): Recipient[] {
  const units = [...reportReaders(plan), ...plan.units.filter((u) => u.id === campaign.owner)];
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  for (const unit of units) {
    for (const contact of unit.contacts) {
      if (seen.has(contact.email)) continue;
      seen.add(contact.email);
      recipients.push({ email: contact.email, language: contact.language });
    }
  }
  return recipients;
}

function summary(t: Trajectory) {
  return { status: t.status, target: t.target, hired: t.hired, expected: t.expected, missing: t.missing, thinStage: t.thinStage, reasons: t.reasons };
}

export const handler = workflowHandler(input, async ({ town, date }) => {
  const { plan } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  const year = yearOf(date);
  const { campaign, escalations } = await loadCampaign(plan, calendar, year);
  if (!campaign) return { town, date, year, escalated: false, sent: 0, skipped: 'no recruitment duty in force this year' };
  const t = trajectory(campaign, date, calendar);
  const decision = escalationDecision(t, escalations);
  let escalated = false;
  if (decision.escalate) {
    const recipients = recipientsOf(plan, campaign);
    const escalation: CampaignEscalation = {
      month: decision.month,
      on: date,
      to: recipients.map((r) => r.email),
      hired: t.hired,
      projected: t.projected,
      missing: t.missing || t.stillToHire,
      thinStage: t.thinStage,
    };
    const mail: TransactItem[] = recipients.map((r) => {
      const content = recruitmentBehindEmail(plan, campaign, t, r.language);
      return intentPut({
        town,
        date,
        recipient: r.email,
        purpose: escalationPurpose(decision.month),
        kind: 'escalation',
        subject: content.subject,
        text: content.text,
        html: content.html,
        instanceIds: [campaign.instanceId],
      });
    });
    escalated = await recordEscalation(town, year, escalation, mail);
  }
  // Also what an earlier attempt of this step recorded and did not get out.
  const { sent } = await deliver(town, date);
  return { town, date, year, ...summary(t), escalated, ...(decision.why ? { why: decision.why } : {}), sent };
});
