import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { townsOnTheDay, type WorkflowDefinitionProps } from './common.ts';

export interface QuarterlyExposureProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly draftExposure: IFunction;
}

/**
 * QuarterlyExposure — input `{ scheduledTime }`:
 * ResolveDay → IsLastWorkdayOfQuarter? (no: NotLastWorkdayOfQuarter) → ListTowns → ForEachTown → DraftExposure.
 */
export function quarterlyExposureDefinition(scope: Construct, props: QuarterlyExposureProps): IChainable {
  return townsOnTheDay(scope, {
    ...props,
    workflow: 'QuarterlyExposure',
    perTown: props.draftExposure,
    taskId: 'DraftExposure',
    taskComment: "Drafts the town's exposure list of the quarter for an admin to approve (idempotent).",
    mapComment: 'Drafts for each town.',
    dayFlag: 'lastWorkdayOfQuarter',
    choiceId: 'IsLastWorkdayOfQuarter',
    choiceComment: 'Acts on that day only.',
    otherDayId: 'NotLastWorkdayOfQuarter',
  });
}
