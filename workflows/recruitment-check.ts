import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { townsOnTheDay, type WorkflowDefinitionProps } from './common.ts';

export interface RecruitmentCheckProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly checkRecruitment: IFunction;
}

/**
 * RecruitmentCheck — input `{ scheduledTime }`:
 * ResolveDay → IsFirstWorkdayOfMonth? (no: NotFirstWorkdayOfMonth) → ListTowns → ForEachTown → CheckRecruitment.
 */
export function recruitmentCheckDefinition(scope: Construct, props: RecruitmentCheckProps): IChainable {
  return townsOnTheDay(scope, {
    ...props,
    workflow: 'RecruitmentCheck',
    perTown: props.checkRecruitment,
    taskId: 'CheckRecruitment',
    taskComment: "Checks the town's recruitment against its target and escalates when it falls behind (idempotent).",
    mapComment: 'Checks each town.',
    dayFlag: 'firstWorkdayOfMonth',
    choiceId: 'IsFirstWorkdayOfMonth',
    choiceComment: 'Acts on that day only.',
    otherDayId: 'NotFirstWorkdayOfMonth',
  });
}
