import { z } from 'zod';
import { makeDate, monthOf, yearOf } from '../core/dates.ts';
import { monthlyReport, monthlyReportEmail, previousMonth, reportReaders } from '../core/reports.ts';
import { planCalendar } from '../core/schedule.ts';
import { deliver, recordMail } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { loadCampaign } from '../adapters/recruitment-store.ts';
import { getActivePlan, listTownInstances } from '../adapters/table.ts';

const input = z.strictObject({ town: z.string().min(1), date: z.iso.date() });

/**
 * On the first working day of a month, leadership gets the light board, the league table, what is
 * overdue and, when the plan has a recruitment duty that year, the recruitment funnel (item 17).
 */
export const handler = workflowHandler(input, async ({ town, date }) => {
  const { plan } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  if (calendar.onOrAfter(makeDate(yearOf(date), monthOf(date), 1)) !== date) return { town, date, sent: 0, skipped: 'not the first working day of the month' };
  const instances = await listTownInstances(town);
  // The campaign of the month reported on (December's in January's report), stored or as the plan defines it.
  const { campaign } = await loadCampaign(plan, calendar, yearOf(`${previousMonth(date)}-01`));
  const report = monthlyReport(plan, instances, date, calendar, campaign);
  for (const unit of reportReaders(plan)) {
    for (const contact of unit.contacts) {
      await recordMail({
        town,
        date,
        recipient: contact.email,
        kind: 'report',
        purpose: `monthly-report#${report.month}`,
        content: monthlyReportEmail(plan, report, contact.language),
        instanceIds: report.overdue.map((o) => o.instanceId),
      });
    }
  }
  const { sent } = await deliver(town, date);
  return { town, date, month: report.month, sent, overdue: report.overdue.length, unreachable: report.unreachable.length };
});
