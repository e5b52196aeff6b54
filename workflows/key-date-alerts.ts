import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { townsOnTheDay, type WorkflowDefinitionProps } from './common.ts';

export interface KeyDateAlertsProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly keyDateAlerts: IFunction;
}

/**
 * KeyDateAlerts — input `{ scheduledTime }`:
 * ResolveDay → IsWorkday? (no: RestDay) → ListTowns → ForEachTown → KeyDateAlerts.
 */
export function keyDateAlertsDefinition(scope: Construct, props: KeyDateAlertsProps): IChainable {
  return townsOnTheDay(scope, {
    ...props,
    workflow: 'KeyDateAlerts',
    perTown: props.keyDateAlerts,
    taskId: 'KeyDateAlerts',
    taskComment: "Sends the town's key-date risk alerts due today (idempotent).",
    mapComment: 'Alerts in each town.',
    dayFlag: 'workday',
    choiceId: 'IsWorkday',
    choiceComment: 'Acts on that day only.',
    otherDayId: 'RestDay',
  });
}
