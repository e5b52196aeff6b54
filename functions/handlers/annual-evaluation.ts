import { z } from 'zod';
import { yearOf } from '../core/dates.ts';
import { recruitmentResult } from '../core/recruitment.ts';
import { annualEvaluation, annualEvaluationEmail, reportReaders, sanctionNoticeEmail } from '../core/reports.ts';
import { planCalendar } from '../core/schedule.ts';
import { deliver, recordMail } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { loadCampaign } from '../adapters/recruitment-store.ts';
import { getActivePlan, listTownInstances } from '../adapters/table.ts';

const input = z.strictObject({ town: z.string().min(1), date: z.iso.date() });

/**
 * At the end of the last working day of the year: scores, ranking and the units that 三(三) says
 * face 通报批评 or 警示约谈, to leadership; each sanctioned unit is told itself, with its deductions.
 */
export const handler = workflowHandler(input, async ({ town, date }) => {
  const { plan } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  if (calendar.lastWorkdayOfYear(yearOf(date)) !== date) return { town, date, sent: 0, skipped: 'not the last working day of the year' };
  const instances = await listTownInstances(town);
  // Item 17 is scored on hired against its target: the year's recruitment campaign (docs/recruitment.md).
  const { campaign, stored } = await loadCampaign(plan, calendar, yearOf(date));
  const recruitment = recruitmentResult(campaign, stored, instances.find((i) => i.id === campaign?.instanceId));
  const evaluation = annualEvaluation(plan, instances, date, calendar, recruitment);
  const purpose = `annual-evaluation#${evaluation.year}`;
  for (const unit of reportReaders(plan)) {
    for (const contact of unit.contacts) {
      await recordMail({ town, date, recipient: contact.email, kind: 'report', purpose, content: annualEvaluationEmail(plan, evaluation, contact.language), instanceIds: [] });
    }
  }
  for (const sanction of evaluation.sanctions) {
    const unit = plan.units.find((u) => u.id === sanction.unit);
    for (const contact of unit?.contacts ?? []) {
      const deductions = evaluation.scores.find((s) => s.unit === sanction.unit)?.deductions ?? [];
      await recordMail({
        town,
        date,
        recipient: contact.email,
        kind: 'report',
        purpose: `sanction#${evaluation.year}`,
        content: sanctionNoticeEmail(plan, evaluation, sanction.unit, contact.language),
        instanceIds: deductions.map((d) => d.instanceId),
      });
    }
  }
  const { sent } = await deliver(town, date);
  return {
    town,
    date,
    year: evaluation.year,
    sent,
    ...(evaluation.recruitment ? { recruitment: { hired: evaluation.recruitment.hired, target: evaluation.recruitment.target, pointsLost: evaluation.recruitment.pointsLost } } : {}),
    sanctions: evaluation.sanctions.map((s) => ({ unit: s.unit, sanction: s.sanction })),
  };
});
