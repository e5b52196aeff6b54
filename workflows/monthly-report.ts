import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { townsOnTheDay, type WorkflowDefinitionProps } from './common.ts';

export interface MonthlyReportProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly monthlyReport: IFunction;
}

/**
 * MonthlyReport — input `{ scheduledTime }`, scheduled on days 1–10 of each month:
 * ResolveDay → IsFirstWorkdayOfMonth? (no: NotFirstWorkdayOfMonth) → ListTowns → ForEachTown → MonthlyReport.
 */
export function monthlyReportDefinition(scope: Construct, props: MonthlyReportProps): IChainable {
  return townsOnTheDay(scope, {
    ...props,
    perTown: props.monthlyReport,
    taskId: 'MonthlyReport',
    taskComment: "Sends the town's monthly digest with the league table (idempotent).",
    mapComment: 'Reports on each town.',
    dayFlag: 'firstWorkdayOfMonth',
    choiceId: 'IsFirstWorkdayOfMonth',
    choiceComment: 'The report goes out on the first working day of the month only.',
    otherDayId: 'NotFirstWorkdayOfMonth',
  });
}
