import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { deadLetterStep, forEach, lambdaStep, listTownsStep, resolveDayStep, type WorkflowDefinitionProps } from './common.ts';

export interface MonthlyReportProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly monthlyReport: IFunction;
}

/**
 * MonthlyReport — input `{ scheduledTime }`, scheduled on days 1–7 of each month:
 * ResolveDay → IsFirstWorkdayOfMonth? (no: NotFirstWorkdayOfMonth) → ListTowns → ForEachTown → MonthlyReport.
 */
export function monthlyReportDefinition(scope: Construct, props: MonthlyReportProps): IChainable {
  const { task: resolveDay } = resolveDayStep(scope, props.resolveDay);

  const listTowns = listTownsStep(scope, props.listTowns);
  const monthlyReport = lambdaStep(scope, 'MonthlyReport', props.monthlyReport, {
    comment: "Sends the town's monthly digest with the league table (idempotent).",
  });
  const forEachTown = forEach(scope, 'ForEachTown', {
    comment: 'Reports on each town.',
    itemsPath: '$.towns.towns',
    itemSelector: {
      town: JsonPath.stringAt('$$.Map.Item.Value'),
      date: JsonPath.stringAt('$.day.date'),
    },
    task: monthlyReport,
    iteration: monthlyReport,
    deadLetter: deadLetterStep(scope, 'MonthlyReport', props.deadLetterQueue),
  });

  const isFirstWorkday = new Choice(scope, 'IsFirstWorkdayOfMonth', {
    comment: 'The report goes out on the first working day of the month only.',
  })
    .when(Condition.booleanEquals('$.day.firstWorkdayOfMonth', true), listTowns.next(forEachTown))
    .otherwise(new Succeed(scope, 'NotFirstWorkdayOfMonth'));

  return resolveDay.next(isFirstWorkday);
}
