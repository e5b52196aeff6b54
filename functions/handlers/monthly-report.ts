import { z } from 'zod';
import { makeDate, monthOf, yearOf } from '../core/dates.ts';
import { monthlyReport, monthlyReportEmail, reportReaders } from '../core/reports.ts';
import { planCalendar } from '../core/schedule.ts';
import { deliver, recordMail } from '../adapters/mailer.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { getActivePlan, listTownInstances } from '../adapters/table.ts';

const input = z.strictObject({ town: z.string().min(1), date: z.iso.date() });

/** On the first working day of a month, leadership gets the light board, the league table and what is overdue. */
export const handler = workflowHandler(input, async ({ town, date }) => {
  const { plan } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  if (calendar.onOrAfter(makeDate(yearOf(date), monthOf(date), 1)) !== date) return { town, date, sent: 0, skipped: 'not the first working day of the month' };
  const instances = await listTownInstances(town);
  const report = monthlyReport(plan, instances, date, calendar);
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
